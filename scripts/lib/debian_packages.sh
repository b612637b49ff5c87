# Sourced by scripts that need Debian packages (setup.sh, fuzz.sh).
# install_missing_packages LABEL PACKAGE…: installs, with apt-get from Debian only (sudo when
# not root), those of the packages that are not installed; runs no apt-get at all when none
# is missing. Exit 2 when it cannot (not root and no sudo).
install_missing_packages() {
  local label=$1
  shift
  local missing=() status p
  for p in "$@"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  echo "$label: installing ${missing[*]}"
  local sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "$label: not root and no sudo; install: ${missing[*]}" >&2; exit 2; }
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}
