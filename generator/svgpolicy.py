"""Which SVG a badge may be: an allow-list of elements, attributes and CSS declarations.

Badge images are published as they are and opened as documents (a click on the image, the
"download" link), where a browser runs scripts and fetches whatever the markup names. Listing
what is dangerous never ends (CSS escapes such as `@\\69mport`, `<set>` rewriting an href after
the check), so this module lists what is allowed and refuses everything else:

- elements: static drawing only (shapes, paths, text, gradients, patterns, clip paths, masks,
  markers, filter primitives that compute pixels, `<use>`), all in the SVG namespace;
  no scripts, animations, links, `foreignObject`, `<style>` sheets, fonts or `feImage`;
- attributes: geometry, presentation, ids and accessibility; `href`/`xlink:href` only as a
  local `#id` (and on `<image>`, an embedded PNG, JPEG or GIF); no event handlers;
- CSS: only in `style=` attributes, parsed declaration by declaration: listed properties, and
  values without escapes, comments or at-rules, whose only functions are colours, transforms
  and `url(#id)`. Presentation attributes (`fill=`...) are CSS values too, checked the same way;
- no DOCTYPE (hence no entity), no processing instruction (`<?xml-stylesheet?>`).

The parser is expat, which never loads an external entity; the DOCTYPE is refused before any
entity is declared, so none is ever expanded.
"""

from __future__ import annotations

import re
from xml.parsers import expat

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
OB_NS = "http://openbadges.org"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Static drawing. Filter primitives compute pixels from the image itself (feImage, which loads
# a URL, is left out).
ELEMENTS = _words(
    """
    svg g defs symbol use title desc metadata path rect circle ellipse line polyline polygon
    text tspan textPath linearGradient radialGradient stop pattern clipPath mask marker image
    filter feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix
    feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB
    feFuncG feFuncR feGaussianBlur feMerge feMergeNode feMorphology feOffset fePointLight
    feSpecularLighting feSpotLight feTile feTurbulence
    """
)

# Elements whose href may point somewhere (always to a local #id; <image> to embedded pixels).
HREF_ELEMENTS = frozenset(
    {"use", "linearGradient", "radialGradient", "pattern", "textPath", "image", "filter"}
)

_ANIMATION = frozenset(
    {"set", "animate", "animateMotion", "animateTransform", "animateColor", "mpath", "discard"}
)
_REFUSED_WHY = {
    "script": "badge images must be static; remove it",
    "foreignObject": "it can embed HTML and scripts; remove it",
    "style": "style sheets can load URLs; move the rules into style= or presentation "
    "attributes such as fill= and stroke= (SVGO's inlineStyles does it)",
    "a": "badge images cannot link anywhere; remove it",
    "feImage": "it loads images from URLs; remove it",
    "iframe": "badge images cannot embed documents; remove it",
    "embed": "badge images cannot embed documents; remove it",
    "object": "badge images cannot embed documents; remove it",
}
_ANIMATION_WHY = "animations can change links and load URLs; remove it"
_OTHER_WHY = (
    "only static drawing is allowed (shapes, paths, text, gradients, patterns, clip paths, "
    "masks, markers, filters, <use> of a local #id); remove it"
)

# Presentation attributes that are also CSS properties (SVG 2, "Presentation attributes"),
# without those that load a URL other than url(#id) (cursor, color-profile).
PRESENTATION = _words(
    """
    alignment-baseline baseline-shift clip clip-path clip-rule color color-interpolation
    color-interpolation-filters color-rendering direction display dominant-baseline
    enable-background fill fill-opacity fill-rule filter flood-color flood-opacity font
    font-family font-feature-settings font-kerning font-size font-size-adjust font-stretch
    font-style font-variant font-variant-caps font-variant-east-asian font-variant-ligatures
    font-variant-numeric font-variant-position font-variation-settings font-weight
    glyph-orientation-horizontal glyph-orientation-vertical image-rendering isolation kerning
    letter-spacing lighting-color line-height marker marker-end marker-mid marker-start mask
    mask-type mix-blend-mode opacity overflow paint-order pointer-events shape-rendering
    solid-color solid-opacity stop-color stop-opacity stroke stroke-dasharray stroke-dashoffset
    stroke-linecap stroke-linejoin stroke-miterlimit stroke-opacity stroke-width text-align
    text-anchor text-decoration text-decoration-color text-decoration-line text-decoration-style
    text-orientation text-rendering text-transform transform transform-box transform-origin
    unicode-bidi vector-effect visibility white-space word-spacing writing-mode
    """
)
# What `style=` may set: the presentation properties, and the font name Inkscape records.
CSS_PROPERTIES = PRESENTATION | {"-inkscape-font-specification", "inline-size", "shape-inside"}

# Geometry and the attributes of the allowed elements that are not presentation attributes.
GEOMETRY = _words(
    """
    x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height d points pathLength viewBox
    preserveAspectRatio version baseProfile zoomAndPan dx dy rotate textLength lengthAdjust
    startOffset method spacing side offset gradientUnits gradientTransform spreadMethod
    patternUnits patternContentUnits patternTransform clipPathUnits maskUnits maskContentUnits
    markerWidth markerHeight markerUnits refX refY orient filterUnits primitiveUnits filterRes
    in in2 result stdDeviation mode type values operator k1 k2 k3 k4 order kernelMatrix divisor
    bias targetX targetY edgeMode kernelUnitLength preserveAlpha surfaceScale diffuseConstant
    specularConstant specularExponent azimuth elevation pointsAtX pointsAtY pointsAtZ z
    limitingConeAngle scale xChannelSelector yChannelSelector radius baseFrequency numOctaves
    seed stitchTiles tableValues slope intercept amplitude exponent
    """
)
# Free text that no browser reads as CSS or as a URL (with aria-* and data-*: Illustrator
# writes data-name="Layer 1").
TEXT_ATTRIBUTES = frozenset({"id", "class", "role", "lang", "tabindex", "focusable"})
XML_ATTRIBUTES = frozenset({"space", "lang"})

# CSS functions a value may call; url() only as url(#id).
FUNCTIONS = _words(
    """
    rgb rgba hsl hsla hwb matrix translate translatex translatey scale scalex scaley rotate
    skewx skewy url
    """
)

_LOCAL_REF = re.compile(r"#[A-Za-z_][A-Za-z0-9_.:-]*")
_LOCAL_URL = re.compile(r"""url\(\s*(['"]?)#[A-Za-z_][A-Za-z0-9_.:-]*\1\s*\)""", re.IGNORECASE)
_EMBEDDED_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*")
_FUNCTION = re.compile(r"([A-Za-z_-][A-Za-z0-9_-]*)?\(")
_PROPERTY = re.compile(r"-?[A-Za-z][A-Za-z0-9-]*")
_IMPORTANT = re.compile(r"\s*!\s*important\s*$", re.IGNORECASE)
# Never in a declaration or value: escapes, comments, at-rules, blocks, markup.
_CSS_FORBIDDEN = {
    "\\": "a CSS escape (\\)",
    "/*": "a CSS comment",
    "@": "an at-rule (@)",
    "{": "a CSS block ({)",
    "}": "a CSS block (})",
    "<": "markup (<)",
}
_MAX_PROBLEMS = 20

EDITOR_HINT = (
    "an editor's own data goes too: export as plain SVG (Inkscape: 'Plain SVG') or optimise "
    "the file with SVGO or scour"
)


class _Stop(Exception):
    pass


def _split(name: str) -> tuple[str, str]:
    """(namespace, local name) from expat's "namespace local" form."""
    uri, _, local = name.rpartition(" ")
    return uri, local


def _short(value: str, limit: int = 60) -> str:
    return value if len(value) <= limit else value[: limit - 3] + "..."


def css_value_problem(value: str) -> str | None:
    """What makes `value` unsafe as a CSS value (of a property or presentation attribute)."""
    for needle, what in _CSS_FORBIDDEN.items():
        if needle in value:
            return f"contains {what}"
    for match in _FUNCTION.finditer(value):
        name = (match.group(1) or "").lower()
        if name not in FUNCTIONS:
            shown = f"{name}()" if name else "a parenthesis"
            return f"uses {shown}: only colours, transforms and url(#id) are allowed"
        if name == "url" and not _LOCAL_URL.match(value, match.start()):
            return "loads a url() that is not a local #id"
    return None


def style_problems(style: str) -> list[str]:
    """Problems of a `style=` attribute, parsed declaration by declaration."""
    problems = []
    for declaration in style.split(";"):
        if not declaration.strip():
            continue
        name, colon, value = declaration.partition(":")
        name = name.strip()
        if not colon or not _PROPERTY.fullmatch(name):
            problems.append(f"has a malformed declaration {_short(declaration.strip())!r}")
            continue
        if name.lower() not in CSS_PROPERTIES:
            problems.append(f"sets {name}, which is not an allowed property")
            continue
        trouble = css_value_problem(_IMPORTANT.sub("", value))
        if trouble is not None:
            problems.append(f"{name}: {_short(value.strip())!r} {trouble}")
    return problems


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.depth = 0
        self.refused_at = 0  # depth of the refused element being skipped, 0 when none
        parser = self.parser
        parser.StartDoctypeDeclHandler = self._on_doctype
        parser.EntityDeclHandler = self._on_doctype
        parser.ProcessingInstructionHandler = self._on_pi
        parser.StartElementHandler = self._on_start
        parser.EndElementHandler = self._on_end

    def add(self, message: str) -> None:
        self.problems.append(f"line {self.parser.CurrentLineNumber}: {message}")
        if len(self.problems) >= _MAX_PROBLEMS:
            raise _Stop

    def run(self, data: bytes) -> list[str]:
        try:
            self.parser.Parse(data, True)
        except _Stop:
            pass
        except expat.ExpatError as exc:
            self.problems.append(
                f"is not well-formed XML (line {exc.lineno}, column {exc.offset + 1}: "
                f"{expat.ErrorString(exc.code)}): fix the markup"
            )
        return list(dict.fromkeys(self.problems))

    def _on_doctype(self, *_: object) -> None:
        self.problems.append(
            "contains a DOCTYPE declaration: remove it; entity declarations are not allowed"
        )
        raise _Stop

    def _on_pi(self, target: str, _data: str) -> None:
        if target.lower() == "xml-stylesheet":
            self.add("links a stylesheet with <?xml-stylesheet?>: remove it")
        else:
            self.add(f"has a processing instruction <?{target}?>: remove it")

    def _on_end(self, _name: str) -> None:
        if self.depth == self.refused_at:
            self.refused_at = 0
        self.depth -= 1

    def _on_start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.refused_at:
            return  # inside a refused element: it goes as a whole
        uri, tag = _split(name)
        if self.depth == 1 and (tag != "svg" or uri not in ("", SVG_NS)):
            self.problems.append(f"root element is <{tag}>, not <svg>: not an SVG image")
            raise _Stop
        if uri == OB_NS:
            self.add(
                f"already carries baked badge data (<openbadges:{tag}>): use the original "
                "image, not a baked badge (Insigne bakes each award itself)"
            )
            self.refused_at = self.depth
            return
        if uri != SVG_NS:
            if uri == "":
                self.add(
                    f'<{tag}> is not in the SVG namespace: add xmlns="{SVG_NS}" to the root '
                    "<svg> element"
                )
            else:
                self.add(
                    f"<{tag}> (namespace {uri}) is not SVG: only SVG elements are allowed; "
                    + EDITOR_HINT
                )
            self.refused_at = self.depth
            return
        if tag not in ELEMENTS:
            why = _ANIMATION_WHY if tag in _ANIMATION else _REFUSED_WHY.get(tag, _OTHER_WHY)
            self.add(f"<{tag}> is not allowed in a badge image: {why}")
            self.refused_at = self.depth
            return
        for attr, value in attrs.items():
            self._attribute(tag, attr, value)

    def _attribute(self, tag: str, attr: str, value: str) -> None:
        uri, local = _split(attr)
        if uri == XLINK_NS and local == "href" or uri == "" and local == "href":
            self._href(tag, "xlink:href" if uri else "href", value)
        elif uri == XML_NS:
            if local not in XML_ATTRIBUTES:
                self.add(f"xml:{local}= on <{tag}> is not allowed: remove it")
        elif uri:
            self.add(f"{local}= on <{tag}> (namespace {uri}) is not SVG: remove it; {EDITOR_HINT}")
        elif local.lower().startswith("on"):
            self.add(
                f"has an event attribute {local}= on <{tag}>: remove it; "
                "badge images must be static"
            )
        elif local == "style":
            for problem in style_problems(value):
                self.add(f"style= on <{tag}> {problem}")
        elif local in TEXT_ATTRIBUTES or local.startswith(("aria-", "data-")):
            pass
        elif local in PRESENTATION or local in GEOMETRY:
            trouble = css_value_problem(value)
            if trouble is not None:
                self.add(f"{local}={_short(value)!r} on <{tag}> {trouble}")
        else:
            self.add(f"{local}= on <{tag}> is not an allowed attribute: remove it")

    def _href(self, tag: str, attr: str, value: str) -> None:
        if tag in HREF_ELEMENTS and _LOCAL_REF.fullmatch(value):
            return
        if tag == "image" and _EMBEDDED_IMAGE.fullmatch(value):
            return
        allowed = "a local '#id'"
        if tag == "image":
            allowed += " or an embedded data:image/png, jpeg or gif (base64)"
        if tag not in HREF_ELEMENTS:
            self.add(f"{attr}= on <{tag}> is not allowed: remove it")
        else:
            self.add(f"{attr}={_short(value)!r} on <{tag}>: only {allowed} is allowed")


def svg_problems(data: bytes) -> list[str]:
    """Everything in these SVG bytes outside the allow-list, one line each; empty when fine."""
    return _Checker().run(data)
