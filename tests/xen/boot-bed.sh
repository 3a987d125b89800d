#!/bin/sh
# Boots the nested-Xen test bed under QEMU TCG (-cpu max emulates AMD SVM
# with nested paging; smap=0 or dom0 faults at once) and writes the serial
# console (Xen, dom0 and our GX- markers) to LOG. Returns when dom0 powers
# off or after TIMEOUT seconds (default 900).
# Usage: boot-bed.sh BEDDIR LOG [TIMEOUT]
set -eu
BED=${1:?usage: boot-bed.sh BEDDIR LOG [TIMEOUT]}
LOG=${2:?log file}
TMO=${3:-900}
cd "$BED"
exec timeout "$TMO" qemu-system-x86_64 -accel tcg -m 3072 -smp 2 -cpu max \
  -kernel xen.bin \
  -append "console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M noreboot smap=0" \
  -initrd "dom0-vmlinuz console=hvc0 earlyprintk=xen quiet,dom0-initrd.gz" \
  -display none -monitor none -serial "file:$LOG" -no-reboot
