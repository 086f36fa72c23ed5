#!/usr/bin/env bash
# better-sqlite3 compiled for Electron's ABI, for the desktop app and its packages.
# Needs a machine that can download Electron's headers (not the build machines): never run it
# from install, test or CI. Output: build/electron-native/better_sqlite3.node, which the desktop
# main process loads through better-sqlite3's `nativeBinding` (src/main/index.ts) and
# electron-builder ships as resources/native/better_sqlite3.node.
set -euo pipefail
cd "$(dirname "$0")/.."
electron_version=$(node -p "require('electron/package.json').version")
work=build/electron-native/app
rm -rf "$work"
mkdir -p "$work/node_modules"
cp -R node_modules/better-sqlite3 "$work/node_modules/"
printf '{ "name": "w2s-native", "version": "0.0.0", "private": true }\n' > "$work/package.json"
npx --yes @electron/rebuild@4 --version "$electron_version" --module-dir "$work" --only better-sqlite3 --force
cp "$work/node_modules/better-sqlite3/build/Release/better_sqlite3.node" build/electron-native/better_sqlite3.node
echo "built build/electron-native/better_sqlite3.node for Electron $electron_version"
