#!/usr/bin/python3
"""snapshots/<name>/files/ against the same tree read straight from the
browse's loop mount: the time from the first ls files/ to ready (with the
emulator's create and attach delays), find files/ over 10,000 files and cat
of a 256 MiB file (page cache dropped before each, best of 2), each as a
ratio.  Figures, never assertions.  Root (loop devices, mounts); run after a
build: bench/browse/run.py.  Not yet a row of bench/run."""
import io, os, sys, tarfile, time, subprocess, shutil
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "integration"))
from conftest import Mount
from emulator import Emulator, wait_until
import tempfile
HOST="300000000000000099"; D1="100000000000000001"
SEED={"disks":[{"diskId":D1,"diskName":"source","zoneId":"asia-east-1a","diskSize":20,"diskStatus":"AVAILABLE"}],
      "instances":[{"instanceId":HOST,"zoneId":"asia-east-1a"}]}
tmp=tempfile.mkdtemp(prefix="ptbench")
data,dev=tmp+"/data",tmp+"/dev"
buf=io.BytesIO()
with tarfile.open(fileobj=buf,mode="w") as t:
    for i in range(10000):
        d=f"d{i//100:03d}/f{i:05d}"; b=b"x"*100
        ti=tarfile.TarInfo(d); ti.size=len(b); t.addfile(ti,io.BytesIO(b))
    big=os.urandom(1<<20)*256
    ti=tarfile.TarInfo("big.bin"); ti.size=len(big); t.addfile(ti,io.BytesIO(big))
emu=Emulator(seed=SEED,args=["--disk-data",data,"--device-dir",dev,"--host-instance",HOST,
   "--create-delay-ms","500","--disk-op-delay-ms","500","--delete-delay-ms","0"]).start()
try:
    st,doc=emu.put_content(D1,buf.getvalue(),timeout=600); assert st==200,doc
    st,doc=emu.api("CreateSnapshot",{"diskId":D1,"snapshotName":"bench"}); assert st==200,doc
    wait_until(lambda: all(s["status"]=="AVAILABLE" for s in emu.state()["snapshots"]),timeout=120)
    m=Mount(emu,os.path.join(tmp,"mnt"),["allow_browse","instance_id="+HOST,"device_dir="+dev]).start()
    files=m.p(D1,"snapshots","bench","files")
    t0=time.monotonic(); os.listdir(files); ready=time.monotonic()-t0
    mp=[l.split()[4] for l in open("/proc/self/mountinfo") if l.split()[4].startswith("/run/zecfs/")][0]
    def timed(argv):
        subprocess.run(["sh","-c","echo 3 > /proc/sys/vm/drop_caches"])
        t=time.monotonic(); subprocess.run(argv,stdout=subprocess.DEVNULL,check=True); return time.monotonic()-t
    for what,argv_f in (("find",lambda r:["find",r]),("cat 256MiB",lambda r:["cat",r+"/big.bin"])):
        a=min(timed(argv_f(files)) for _ in range(2)); b=min(timed(argv_f(mp)) for _ in range(2))
        print(f"{what}: files/ {a:.3f}s loop mount {b:.3f}s ratio {a/b:.2f}")
    print(f"first ls files/ to ready (create+attach delays 500 ms): {ready:.2f}s")
    m.unmount()
finally:
    emu.stop()
    shutil.rmtree(tmp, ignore_errors=True)
