# Sourced by build.sh and test.sh.
# configure_build DIR [FIRST…] [-- ALWAYS…]: cmake -S . -B DIR from the repository root.
# A new DIR gets Ninja (when installed) and the FIRST arguments; every run sets
# ROPECHECK_WERROR (ON when CI is set) and the ALWAYS arguments.
configure_build() {
  local dir=$1
  shift
  local first=() always=()
  while (($#)) && [[ $1 != -- ]]; do first+=("$1"); shift; done
  (($#)) && shift
  always=("$@")
  local werror=OFF
  [[ -n "${CI:-}" ]] && werror=ON
  if [[ ! -f "$dir/CMakeCache.txt" ]]; then
    local generator=()
    command -v ninja >/dev/null && generator=(-G Ninja)
    cmake -S . -B "$dir" "${generator[@]}" "${first[@]}" -DROPECHECK_WERROR=$werror "${always[@]}" >/dev/null
  else
    cmake -S . -B "$dir" -DROPECHECK_WERROR=$werror "${always[@]}" >/dev/null
  fi
}
