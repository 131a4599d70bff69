#!/usr/bin/env bash
# Creates .venv-validator/ with the 1EdTech Open Badges 2.0 validator (openbadges 1.1.2).
# It lives in its own venv because its exact pins clash with ours; --no-deps with a hand-checked
# set is the only combination that imports on Python 3.11 (see shared conformance notes).
# Idempotent: a marker file records the hash of the pin list, so a second run is a no-op.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="$repo_root/.venv-validator"
marker="$venv/.insigne-ok"
python="${PYTHON:-python3}"

# Never add `cryptography` here: python-jose then switches backend and every JWS badge fails.
pins=(
  openbadges==1.1.2
  openbadges-bakery==2.0.0
  aniso8601==10.0.1
  click==6.7
  future==0.16.0
  jsonschema==2.6.0
  language_tags==0.4.3
  pydux==0.2.2
  PyLD==0.7.1
  python-mimeparse==1.6.0
  requests-cache==0.4.13
  validators==0.11.2
  decorator==5.3.1
  rfc3986==1.5.0
  pycryptodome==3.20.0
  python-jose==3.2.0
  ecdsa==0.14.1
  rsa==4.9.1
  pyasn1==0.6.5
  six==1.17.0
  pytz==2024.1
  requests==2.34.2
  urllib3==2.8.0
  idna==3.20
  charset-normalizer==3.5.2
  certifi==2026.10.18
  defusedxml==0.7.1
  pypng==0.20220715.0
  pillow
)
pin_hash="$(printf '%s\n' "${pins[@]}" | sha256sum | cut -d' ' -f1)"

if [[ -f "$marker" && "$(cat "$marker")" == "$pin_hash" && -x "$venv/bin/python" ]]; then
  echo "validator venv up to date: $venv"
  exit 0
fi

echo "setting up validator venv at $venv (openbadges 1.1.2, pip --no-deps, ${#pins[@]} packages)"
rm -f "$marker"
[[ -x "$venv/bin/python" ]] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "${pins[@]}"
if "$venv/bin/python" -c "import cryptography" 2>/dev/null; then
  echo "error: cryptography is installed in $venv; JWS verification would break" >&2
  exit 1
fi
"$venv/bin/python" -c "import openbadges, openbadges_bakery"
printf '%s\n' "$pin_hash" >"$marker"
echo "validator venv ready"
