#!/bin/sh
# preflight.sh - run on a device (over ssh, adb shell or locally) by the
# farm playbook before it pushes a bundle: prints what the device is, one
# `key=value` a line, for the controller to judge (scripts/farm/tasks/
# attempt.yml).  POSIX sh and the tools of busybox/toybox only, so that it
# runs in Android's `adb shell` as on a Yocto board.
#
# usage: preflight.sh WORKDIR SYSFS_ROOT
#   arch=        `uname -m`
#   free_kb=     free space in WORKDIR's file system (df -k), or unknown
#   battery=     the first battery's status (Charging, Discharging, Full,
#                Not charging...), or none
#   meter=       the first energy meter present (powercap, hwmon, battery),
#                the order edgebench reads them in (docs/edgebench.md), or none
#   timeout=     yes when the device has `timeout`, to bound the run there too
# It changes nothing on the device.
W=${1:?usage: preflight.sh WORKDIR SYSFS_ROOT}
R=${2:-/}
R=${R%/}
S=$R/sys/class

echo "arch=$(uname -m)"
free=$(df -k "$W" 2>/dev/null | tail -n 1 | awk '{print $4}')
case "$free" in '' | *[!0-9]*) free=unknown ;; esac
echo "free_kb=$free"

battery=none
bat_meter=""
for p in "$S"/power_supply/*; do
    [ -f "$p/type" ] || continue
    [ "$(cat "$p/type" 2>/dev/null)" = Battery ] || continue
    battery=$(cat "$p/status" 2>/dev/null || echo unknown)
    [ -r "$p/current_now" ] && [ -r "$p/voltage_now" ] && bat_meter=battery
    break
done
echo "battery=$battery"

meter=none
for f in "$S"/powercap/intel-rapl:*/energy_uj; do
    [ -r "$f" ] && { meter=powercap; break; }
done
if [ "$meter" = none ]; then
    for f in "$S"/hwmon/hwmon*/energy*_input "$S"/hwmon/hwmon*/power*_input; do
        [ -r "$f" ] && { meter=hwmon; break; }
    done
fi
[ "$meter" = none ] && [ -n "$bat_meter" ] && meter=battery
echo "meter=$meter"

if command -v timeout >/dev/null 2>&1; then echo "timeout=yes"; else echo "timeout=no"; fi
