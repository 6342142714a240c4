#!/bin/sh
# The .NET SDK of the test environment, as actions/setup-dotnet gives a workflow one: where no
# `dotnet` is on PATH and ../shared/dotnet (beside the checkout) holds an SDK archive and a NuGet
# feed, the SDK is unpacked once under ~/.cache and NuGet pointed at that feed through a home of
# its own (DOTNET_CLI_HOME), never the user's ~/.nuget nor a quickstart's files. Prints the
# environment to run with (`env $(sh scripts/test-dotnet.sh) pytest ...`), or nothing: a `dotnet`
# already on PATH is used as it is, and without either the C# tests skip saying why.
# --installed: only print the environment of an SDK installed before (never unpack).
set -eu
command -v dotnet >/dev/null 2>&1 && exit 0
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${QSR_SHARED:-$here/../shared}/dotnet
archive=$shared/dotnet-sdk-linux-x64.tar.xz
root=${XDG_CACHE_HOME:-$HOME/.cache}/quickstart-runner/test-dotnet
[ -f "$archive" ] || exit 0
key=$(stat -c '%s-%Y' "$archive")
sdk=$root/sdk-$key
home=$root/home
if [ ! -x "$sdk/dotnet" ]; then
    [ "${1:-}" = "--installed" ] && exit 0
    echo "test-dotnet: unpacking the .NET SDK from $archive" >&2
    rm -rf "$root"/sdk-* "$sdk.partial"
    mkdir -p "$sdk.partial"
    tar -xJf "$archive" -C "$sdk.partial"
    mv "$sdk.partial" "$sdk"
fi
mkdir -p "$home/.nuget/NuGet"
cat > "$home/.nuget/NuGet/NuGet.Config" <<EOF
<?xml version="1.0" encoding="utf-8"?>
<!-- written by quickstart-runner's scripts/test-dotnet.sh: the test environment's only source -->
<configuration>
  <packageSources>
    <clear />
    <add key="test-feed" value="$(cd "$shared/feed" && pwd)" />
  </packageSources>
</configuration>
EOF
invariant=""
ldconfig -p 2>/dev/null | grep -q libicuuc || invariant="DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1"
echo "PATH=$sdk:$PATH DOTNET_ROOT=$sdk DOTNET_CLI_HOME=$home $invariant"
