#!/bin/sh
# Regenerates the sample media the project ships: an 8-second 320x180 test pattern with a
# 440 Hz tone, as H.264/AAC MP4 (moov atom first, so playback starts before the whole file
# arrives) and as VP9/Opus WebM. Needs ffmpeg with libx264, libvpx and libopus.
set -eu
cd "$(dirname "$0")"
SRC="-f lavfi -i testsrc2=size=320x180:rate=24:duration=8 -f lavfi -i sine=frequency=440:sample_rate=48000:duration=8"
# shellcheck disable=SC2086
ffmpeg -hide_banner -loglevel error -y $SRC \
  -map 0:v -map 1:a -c:v libx264 -profile:v baseline -pix_fmt yuv420p -preset veryslow -crf 30 -g 48 \
  -c:a aac -b:a 64k -movflags +faststart -map_metadata -1 -fflags +bitexact \
  sample.mp4
# shellcheck disable=SC2086
ffmpeg -hide_banner -loglevel error -y $SRC \
  -map 0:v -map 1:a -c:v libvpx-vp9 -b:v 0 -crf 40 -row-mt 1 -deadline good -g 48 -pix_fmt yuv420p \
  -c:a libopus -b:a 64k -map_metadata -1 -fflags +bitexact \
  sample.webm
ls -l sample.mp4 sample.webm
