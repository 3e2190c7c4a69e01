#!/usr/bin/env python3
"""Make PyPI's CUDA-built torch importable on a CPU-only box without the
multi-GB nvidia-* wheels.

PyPI's Linux x86_64 torch links libtorch_cuda.so against cuBLAS, cuDNN,
cuFFT, cuSPARSE(Lt), cuSOLVER, NCCL, NVRTC and NVSHMEM. Those libraries are
never *called* when everything runs on the CPU, but the dynamic loader needs
them present with every referenced symbol. This script writes tiny stub .so
files (every function returns a non-zero status) into
site-packages/nvidia/cu13/lib, where torch's _preload_cuda_deps() looks.
The small real libraries (cudart, cupti, cufile: ~60 MB) come from PyPI via
`cuda-toolkit[cudart,cupti,cufile]`, so CUDA queries fail cleanly
(torch.cuda.is_available() == False).

usage: python make_cuda_stubs.py SITE_PACKAGES   (needs gcc, binutils: Debian's g++ pulls both in)
Run by scripts/speaker-peer in its temporary export venv; copied from the diarization research
prototype unchanged apart from this docstring.
"""
import glob
import os
import re
import subprocess
import sys
import sysconfig
import tempfile

site = sys.argv[1]
torch_lib = os.path.join(site, "torch", "lib")
out_dir = os.path.join(site, "nvidia", "cu13", "lib")
os.makedirs(out_dir, exist_ok=True)

STUB_SONAMES = [
    "libcublas.so.13", "libcublasLt.so.13", "libcudnn.so.9", "libcufft.so.12",
    "libcusparse.so.12", "libcusparseLt.so.0", "libcusolver.so.12",
    "libnccl.so.2", "libnvrtc.so.13", "libnvshmem_host.so.3",
]


def dynsyms(path):
    r = subprocess.run(["objdump", "-T", path], capture_output=True, text=True)
    und, defined = [], set()
    for line in r.stdout.splitlines():
        m = re.match(r"^[0-9a-f]{16} (.{7}) (\S+)\t[0-9a-f]+\s+(.*)$", line)
        if not m:
            continue
        flags, sect, rest = m.groups()
        toks = rest.split()
        name = toks[-1]
        ver = toks[0].strip("()") if len(toks) > 1 else ""
        if sect == "*UND*":
            if flags[0] == "w":  # weak refs may stay unresolved
                continue
            und.append((name, ver))
        else:
            defined.add(name)
    return und, defined


provided = set()
providers = glob.glob(os.path.join(torch_lib, "*.so*"))
providers += [p for p in glob.glob(os.path.join(out_dir, "*.so*"))
              if os.path.basename(p) not in STUB_SONAMES]
for pat in ["/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libm.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libgcc_s.so.1",
            "/lib/x86_64-linux-gnu/libpthread.so.0", "/lib/x86_64-linux-gnu/libdl.so.2",
            "/lib/x86_64-linux-gnu/librt.so.1", "/lib64/ld-linux-x86-64.so.2"]:
    providers += glob.glob(pat)
exe = os.path.realpath(sys.executable)
providers.append(exe)
libdir = sysconfig.get_config_var("LIBDIR") or ""
providers += glob.glob(os.path.join(libdir, "libpython3*.so*"))
for p in providers:
    provided |= dynsyms(p)[1]

want = {}  # soname -> {name}
unversioned = set()
SYSTEM_VERSIONS = ("GLIBC", "GLIBCXX", "CXXABI", "GCC", "libcudart", "libcupti", "libcufile")
for lib in glob.glob(os.path.join(torch_lib, "*.so*")):
    if "caffe2_nvrtc" in lib:  # dlopen()ed lazily, needs the real driver anyway
        continue
    und, _ = dynsyms(lib)
    for name, ver in und:
        if name in provided:
            continue
        if ver and ver != "Base" and not ver.startswith(SYSTEM_VERSIONS):
            want.setdefault(ver, set()).add(name)
        elif ver in ("", "Base") and not name.startswith(("_Py", "Py", "__gmon", "_ITM", "__cxa", "__libc")):
            unversioned.add(name)

with tempfile.TemporaryDirectory() as td:
    for soname in STUB_SONAMES:
        # every stub exports every missing versioned symbol under its own
        # version node, plus all missing unversioned ones: the loader takes
        # the first definition it finds, whichever stub that is
        versioned = sorted(set().union(*want.values())) if want else []
        names = sorted(set(versioned) | unversioned)
        c = os.path.join(td, soname + ".c")
        with open(c, "w") as f:
            f.write("/* auto-generated CUDA stub: every call fails */\n")
            for n in names:
                f.write(f"long {n}(void) {{ return 1; }}\n")
        vs = os.path.join(td, soname + ".map")
        with open(vs, "w") as f:
            for ver, syms in sorted(want.items()):
                f.write(f"{ver} {{ global: {'; '.join(sorted(syms))}; }};\n")
        args = ["gcc", "-shared", "-fPIC", "-O0", "-w", "-o",
                os.path.join(out_dir, soname), c, f"-Wl,-soname,{soname}"]
        if versioned:
            args.append(f"-Wl,--version-script={vs}")
        subprocess.run(args, check=True)
        print(f"stub {soname}: {len(versioned)} versioned + {len(unversioned)} unversioned symbols")
