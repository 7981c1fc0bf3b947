#!/usr/bin/env bash
# The browser the web tests drive (Debian's Chromium, through Playwright) and fonts that have
# Chinese glyphs, so screenshots show 简体中文 rather than empty boxes. Installs only what is
# missing (dpkg tells), so a second run does nothing.
# Usage: browser.sh
set -euo pipefail
SERVER_NAME=browser
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "$0")/lib.sh"

apt_install chromium fonts-noto-cjk
say "chromium $(dpkg-query -W -f='${Version}' chromium), fonts-noto-cjk present"
