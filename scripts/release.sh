#!/usr/bin/env bash
# Release archives: one static binary per platform with the licence and README,
# in dist/tokenscope_VERSION_OS_ARCH.tar.gz (.zip for Windows) and a SHA256SUMS.
# Usage: scripts/release.sh v0.9.0
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:?usage: scripts/release.sh VERSION}
rm -rf dist && mkdir -p dist
for target in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64; do
	os=${target%/*} arch=${target#*/}
	name=tokenscope_${version#v}_${os}_${arch}
	mkdir -p "dist/$name"
	exe=tokenscope; [ "$os" = windows ] && exe=tokenscope.exe
	CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath \
		-ldflags "-s -w -X main.version=$version" -o "dist/$name/$exe" ./cmd/tokenscope
	cp LICENSE README.md "dist/$name/"
	if [ "$os" = windows ]; then
		(cd dist && zip -qr "$name.zip" "$name")
	else
		tar -C dist -czf "dist/$name.tar.gz" "$name"
	fi
	rm -rf "dist/$name"
done
(cd dist && sha256sum tokenscope_* > SHA256SUMS)
ls -l dist
