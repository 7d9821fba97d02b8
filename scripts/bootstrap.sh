# Sourced by scripts/demo.sh and scripts/test.sh: make this machine ready, idempotently.
# Debian bookworm, as root: apt packages, ISC's libraries for the native backend (built once from
# Debian's source package and cached), and a virtual environment .venv with the project in it.
# ISC_KINDS (set by the caller): which kinds of ISC library to build, static (the compiled
# extension: the demo) or both (the tests also run cffi's ABI mode on the shared kind).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
APT_PACKAGES=(
    python3 python3-venv python3-dev build-essential   # the venv and the cffi extension
    iproute2 isc-dhcp-server                           # test-bed dhcpd, omshell
    dpkg-dev autoconf automake libtool                 # ISC libraries from Debian's source
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
    echo "run as root: installing packages and starting dhcpd in network namespaces need it" >&2
    exit 1
fi

missing=()
for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" \
        || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    say "apt-get install ${missing[*]}"
    apt-get update -qq
    # isc-dhcp-server's own service may fail to start here; that is harmless, the test bed
    # runs dhcpd itself.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

say "ISC DHCP 4.4.3-P1 libraries, ${ISC_KINDS:-static} (built once, then cached)"
# By file path: the package is not importable before the virtual environment exists.
python3 "$ROOT/dhcpctl/build_isc.py" --kind "${ISC_KINDS:-static}"

if [ ! -x "$VENV/bin/python" ]; then
    say "virtual environment $VENV"
    python3 -m venv "$VENV"
fi
say "pip install -e .[test] (with the native backend)"
log=$(mktemp)
if ! { "$VENV/bin/python" -m pip install -q --upgrade pip &&
       DHCPCTL_REQUIRE_NATIVE=1 "$VENV/bin/python" -m pip install -v -e "$ROOT[test]"; } \
       >"$log" 2>&1; then
    cat "$log" >&2
    echo "pip install failed: the output above says why" >&2
    exit 1
fi
grep -oE "dhcpctl-omapi: (building|WARNING:) .*" "$log" | sort -u >&2 || true
rm -f "$log"
python3 "$ROOT/scripts/mypy_tree.py"  # where mypy finds dhcpctl.fallback
