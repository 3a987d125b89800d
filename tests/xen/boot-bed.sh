#!/bin/sh
# Boots the nested-Xen test bed under QEMU TCG (-cpu max emulates AMD SVM
# with nested paging; smap=0 or dom0 faults at once) and writes the serial
# console (Xen, dom0 and our GX- markers) to LOG. Returns when dom0 powers
# off, after TIMEOUT seconds (default 900), or once the console has been
# silent for STALL seconds (default 480: dom0-init prints at least once a
# minute while it waits, and bounds each command at 300 s), i.e. when the
# nested Xen or dom0 hung: the log then ends with a GX-BED-STALLED line.
# Usage: boot-bed.sh BEDDIR LOG [TIMEOUT [STALL]]
set -eu
BED=${1:?usage: boot-bed.sh BEDDIR LOG [TIMEOUT [STALL]]}
LOG=${2:?log file}
TMO=${3:-900}
STALL=${4:-480}
cd "$BED"
: > "$LOG"
timeout "$TMO" qemu-system-x86_64 -accel tcg -m 3072 -smp 2 -cpu "${GT_XEN_BED_CPU:-max}" \
  -kernel xen.bin \
  -append "console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M noreboot smap=0" \
  -initrd "dom0-vmlinuz console=hvc0 earlyprintk=xen quiet,dom0-initrd.gz" \
  -display none -monitor none -serial "file:$LOG" -no-reboot &
qemu=$!
size=-1; quiet=0
while kill -0 $qemu 2>/dev/null; do
  sleep 5
  now=$(wc -c < "$LOG")
  if [ "$now" = "$size" ]; then quiet=$((quiet + 5)); else quiet=0; size=$now; fi
  if [ $quiet -ge "$STALL" ]; then
    kill $qemu 2>/dev/null || true
    printf '\nGX-BED-STALLED silent=%s t=0\n' "$quiet" >> "$LOG"
    break
  fi
done
wait $qemu || true
