#!/usr/bin/env python3
"""List the entries of the CUDA fat binaries in an ELF file (.so, .o, or .a members), like
cuobjdump --list-elf / --list-ptx, from the .nv_fatbin section: kind (ELF = SASS, PTX) and arch."""
import struct, subprocess, sys, tempfile, os

def entries(blob):
    off = 0
    while off + 16 <= len(blob):
        magic, ver, hsize, fsize = struct.unpack_from('<IHHQ', blob, off)
        if magic != 0xBA55ED50:
            off += 8
            continue
        p, end = off + hsize, off + hsize + fsize
        while p < end:
            kind, _, eh, size = struct.unpack_from('<HHIQ', blob, p)
            arch, = struct.unpack_from('<I', blob, p + 0x1c)
            flags, = struct.unpack_from('<Q', blob, p + 0x28)
            yield {1: 'PTX', 2: 'ELF'}.get(kind, 'kind%d' % kind), arch, size, flags
            p += eh + size
        off = end

def fatbin_of(path):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, 'fb')
        subprocess.run(['objcopy', '-O', 'binary', '--only-section=.nv_fatbin', path, out], check=True)
        return open(out, 'rb').read()

for path in sys.argv[1:]:
    if path.endswith('.a'):
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(['ar', 'x', os.path.abspath(path)], cwd=d, check=True)
            for m in sorted(os.listdir(d)):
                for k, a, s, f in entries(fatbin_of(os.path.join(d, m))):
                    print(f'{path}({m}): {k} sm_{a}' if k == 'ELF' else f'{path}({m}): {k} compute_{a}', f'{s} bytes')
    else:
        for k, a, s, f in entries(fatbin_of(path)):
            print(f'{path}: {k} sm_{a}' if k == 'ELF' else f'{path}: {k} compute_{a}', f'{s} bytes')
