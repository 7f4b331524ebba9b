#!/bin/sh
# Builds the Java runtime the container ships: exactly the JDK modules listed in deploy/jdk-modules (and what they
# require), nothing else. The Containerfile runs this script, and deploy/check-runtime.sh runs the same one here.
set -eu
out=${1:?usage: deploy/jlink-runtime.sh OUTPUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
# one module per line; "#" starts a comment; "-module" lines record deliberate omissions
modules=$(sed 's/#.*//' "$here/jdk-modules" | awk 'NF && $1 !~ /^-/ {print $1}' | paste -sd, -)
jlink=${JAVA_HOME:+$JAVA_HOME/bin/}jlink
"$jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=zip-6 --output "$out"
# java.desktop (java.beans, PDFBox's image and font code) also brings the X11 and sound back ends; a headless server
# (-Djava.awt.headless=true) never loads them, and without them the runtime needs no X11 or ALSA libraries.
rm -f "$out/lib/libawt_xawt.so" "$out/lib/libjawt.so" "$out/lib/libsplashscreen.so" "$out/lib/libjsound.so"
