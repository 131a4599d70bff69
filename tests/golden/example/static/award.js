/* Award page, progressive enhancement: "Copy the link" and "Print" buttons. Without this
   script the buttons stay hidden and the page's address stays selectable in its field.
   First-party, no dependency; loaded with `defer` (no inline script). */
(function () {
  "use strict";
  var copy = document.querySelector("[data-copy]");
  if (copy && navigator.clipboard) {
    var field = document.getElementById(copy.getAttribute("data-copy"));
    var status = document.querySelector(".copy-status");
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(
        function () { if (status) status.textContent = copy.getAttribute("data-copied"); },
        function () { field.select(); }
      );
    });
  }
  var print = document.querySelector("[data-print]");
  if (print && window.print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); });
  }
})();
