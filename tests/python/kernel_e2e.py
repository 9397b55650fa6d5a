#!/usr/bin/python3
"""Test driver for merlab's Jupyter kernel, through real Jupyter (Debian's nbclient / jupyter_client).

Python is only the driver here; the assertions live in the JUnit tests under
tests/src/test/java/org/merlab/e2e/kernel/. Each command prints one JSON object on stdout.

    kernel_e2e.py check                        Jupyter importable, kernelspec `java` installed?
    kernel_e2e.py notebook SRC_DIR WORK_DIR    copy SRC_DIR, build the fixtures, run kernel-e2e.ipynb
    kernel_e2e.py protocol WORK_DIR            bind address, bad HMAC, completion, inspection, restart, shutdown
    kernel_e2e.py classpath-env SRC_DIR WORK_DIR  a kernel started with IJAVA_CLASSPATH (relative jar glob) uses its class
    kernel_e2e.py bench [--runs N] [--cells N] kernel start to first result, trivial-cell overhead
    kernel_e2e.py browser HTML SCREENSHOT      open a report in headless chromium, did the plot draw?
"""
import argparse
import datetime
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

KERNEL = os.environ.get("MERLAB_KERNEL_NAME", "java")


def out(obj):
    print(json.dumps(obj, indent=1, default=str))


# ---------------------------------------------------------------- check
def cmd_check(_a):
    res = {"python": sys.executable}
    try:
        import jupyter_client
        import nbclient
        import nbconvert
        res.update(jupyter_client=jupyter_client.__version__, nbclient=nbclient.__version__,
                   nbconvert=nbconvert.__version__)
        from jupyter_client.kernelspec import KernelSpecManager
        specs = KernelSpecManager().find_kernel_specs()
        res["kernelspec"] = specs.get(KERNEL)
        res["ok"] = KERNEL in specs
        if not res["ok"]:
            res["problem"] = "kernelspec '%s' is not installed (run environment/setup)" % KERNEL
    except ImportError as e:
        res["ok"] = False
        res["problem"] = "Jupyter is not installed for %s: %s (run environment/setup)" % (sys.executable, e)
    res["chromium"] = shutil.which("chromium")
    out(res)
    return 0 if res["ok"] else 1


# ---------------------------------------------------------------- notebook
def build_fixtures(work):
    fx = os.path.join(work, "kernel-fixtures")
    src = os.path.join(fx, "src")
    classes = os.path.join(fx, "classes")
    jar_classes = os.path.join(fx, "jar-classes")
    subprocess.run(["javac", "-d", classes, os.path.join(src, "fixture", "FromDir.java")], check=True)
    subprocess.run(["javac", "-d", jar_classes, os.path.join(src, "fixture", "FromJar.java")], check=True)
    subprocess.run(["jar", "--create", "--file", os.path.join(fx, "fixture.jar"), "-C", jar_classes, "."], check=True)


def iso_to_epoch(s):
    if isinstance(s, datetime.datetime):
        return s.timestamp()
    s = str(s).replace("Z", "+00:00")
    return datetime.datetime.fromisoformat(s).timestamp()


def cmd_notebook(a):
    import nbformat
    from nbclient import NotebookClient

    if os.path.exists(a.work):
        shutil.rmtree(a.work)
    shutil.copytree(a.src, a.work)
    build_fixtures(a.work)
    path = os.path.join(a.work, "kernel-e2e.ipynb")
    nb = nbformat.read(path, as_version=4)
    interrupts = {}

    class Client(NotebookClient):
        async def _async_handle_timeout(self, timeout, cell=None):
            if cell is not None:
                interrupts[cell.metadata["tags"][0]] = time.time()
            return await super()._async_handle_timeout(timeout, cell)

    client = Client(nb, kernel_name=KERNEL, timeout=a.timeout, interrupt_on_timeout=True, record_timing=True,
                    timeout_func=lambda cell: cell.metadata.get("merlab_timeout", a.timeout),
                    resources={"metadata": {"path": a.work}})
    started = time.time()
    error = None
    try:
        client.execute()
    except Exception as e:  # the JUnit test reports it with the outputs so far
        error = "%s: %s" % (type(e).__name__, str(e)[:3000])
    executed = os.path.join(a.work, "kernel-e2e.executed.ipynb")
    nbformat.write(nb, executed)
    stops = {}
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if tags and tags[0] in interrupts:
            reply = cell.metadata.get("execution", {}).get("shell.execute_reply")
            stops[tags[0]] = round(iso_to_epoch(reply) - interrupts[tags[0]], 3) if reply else None
    out({"executed": executed, "seconds": round(time.time() - started, 1), "error": error,
         "interrupt_to_reply_s": stops})
    return 0


# ---------------------------------------------------------------- protocol
def execute(kc, code, timeout=60):
    """Runs code; returns (reply content, list of iopub messages of that request)."""
    msg_id = kc.execute(code)
    msgs = []
    deadline = time.time() + timeout
    while True:
        m = kc.get_iopub_msg(timeout=max(0.1, deadline - time.time()))
        if m["parent_header"].get("msg_id") != msg_id:
            continue
        msgs.append({"type": m["msg_type"], "content": m["content"]})
        if m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return reply["content"], msgs


def result_text(msgs):
    for m in msgs:
        if m["type"] == "execute_result":
            return m["content"]["data"].get("text/plain")
    return None


def listening(port):
    """Local addresses listening on TCP port (from /proc/net/tcp and tcp6)."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    local, state = parts[1], parts[3]
                    addr, p = local.split(":")
                    if int(p, 16) == port and state == "0A":
                        if len(addr) == 32 and addr.startswith("0000000000000000FFFF0000"):
                            addr = addr[24:]  # an IPv4-mapped IPv6 address (::ffff:a.b.c.d)
                        if len(addr) == 8:
                            ip = ".".join(str(int(addr[i:i + 2], 16)) for i in (6, 4, 2, 0))
                        else:
                            ip = "ipv6:" + addr
                        found.append(ip)
        except FileNotFoundError:
            pass
    return found


def cmd_protocol(a):
    from jupyter_client.manager import KernelManager
    from jupyter_client.session import Session

    os.makedirs(a.work, exist_ok=True)
    log_path = os.path.join(a.work, "kernel-protocol.log")
    log = open(log_path, "w")
    res = {"log": log_path}
    km = KernelManager(kernel_name=KERNEL)
    km.start_kernel(stderr=log, stdout=log, cwd=a.work)
    kc = km.client()
    kc.start_channels()
    kc.wait_for_ready(timeout=60)
    try:
        res["pid"] = km.provisioner.process.pid if km.provisioner else None
        ports = {n: getattr(km, n + "_port") for n in ("shell", "iopub", "stdin", "control", "hb")}
        res["ip"] = km.ip
        res["bound"] = {n: listening(p) for n, p in ports.items()}

        content, msgs = execute(kc, "int counter = 41;\ncounter + 1")
        res["first"] = result_text(msgs)

        # a message signed with the wrong key: must be rejected (no reply), logged, and the kernel keeps serving
        bad = Session(key=b"not-the-key", username="intruder")
        bad_msg = bad.msg("execute_request", {"code": "counter = 1000; counter", "silent": False,
                                              "store_history": True, "user_expressions": {},
                                              "allow_stdin": False, "stop_on_error": True})
        bad.send(kc.shell_channel.socket, bad_msg)
        bad.send(kc.control_channel.socket, bad.msg("kernel_info_request", {}))
        time.sleep(1.5)
        replies = []
        while True:
            try:
                replies.append(kc.get_shell_msg(timeout=0.2)["msg_type"])
            except Exception:
                break
        res["replies_to_bad_hmac"] = replies
        content, msgs = execute(kc, "counter")
        res["after_bad_hmac"] = result_text(msgs)
        info = kc.kernel_info(reply=True, timeout=10)["content"]
        res["kernel_info"] = {k: info.get(k) for k in ("implementation", "implementation_version", "protocol_version")}
        res["language_info"] = info.get("language_info")

        comp = kc.complete("Math.ma", 7, reply=True, timeout=30)["content"]
        res["complete"] = {"status": comp["status"], "matches": comp["matches"][:20],
                           "cursor_start": comp["cursor_start"], "cursor_end": comp["cursor_end"]}
        comp2 = kc.complete("String greeting = \"hi\";\ngreeting.toUpp", 37, reply=True, timeout=30)["content"]
        res["complete_member"] = comp2["matches"][:10]
        insp = kc.inspect("Math.max", 6, reply=True, timeout=30)["content"]
        res["inspect"] = {"status": insp["status"], "found": insp.get("found"),
                          "text": insp.get("data", {}).get("text/plain", "")[:500]}
        res["is_complete"] = {}
        for c in ("int x = 1;", "for (int i = 0; i < 3; i++) {", "int x = ;)"):
            msg_id = kc.is_complete(c)
            reply = kc.get_shell_msg(timeout=30)
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = kc.get_shell_msg(timeout=30)
            res["is_complete"][c] = reply["content"]["status"]

        # restart: a new process, state is gone, it works
        old_pid = res["pid"]
        t0 = time.time()
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=60)
        new_pid = km.provisioner.process.pid if km.provisioner else None
        content, msgs = execute(kc, "1 + 2")
        res["restart"] = {"old_pid": old_pid, "new_pid": new_pid, "seconds": round(time.time() - t0, 2),
                          "result": result_text(msgs), "old_alive": pid_alive(old_pid)}
        content, msgs = execute(kc, "counter")
        res["restart"]["state_gone"] = content["status"] == "error"

        # shutdown: the kernel answers and exits on its own (no kill)
        t0 = time.time()
        shutdown_id = kc.shutdown()
        proc = km.provisioner.process if km.provisioner else None
        code = None
        for _ in range(100):
            code = proc.poll() if proc else None
            if code is not None:
                break
            time.sleep(0.1)
        res["shutdown"] = {"exit_code": code, "seconds": round(time.time() - t0, 2), "reply": None}
        try:  # did the kernel answer? (tells a lost request from a kernel that answered and did not exit)
            while res["shutdown"]["reply"] is None:
                m = kc.get_control_msg(timeout=1)
                if m["parent_header"].get("msg_id") == shutdown_id:
                    res["shutdown"]["reply"] = m["msg_type"]
        except Exception:
            pass
    finally:
        kc.stop_channels()
        if km.is_alive():
            km.shutdown_kernel(now=True)
        log.close()
    with open(log_path) as f:
        res["log_text"] = f.read()[-4000:]
    out(res)
    return 0


# ---------------------------------------------------------------- classpath-env
def cmd_classpath_env(a):
    """Starts the kernel with IJAVA_CLASSPATH=env-jars/*.jar (a glob relative to the kernel's folder, as
    IJava resolves it) holding fixture.FromEnv, which is on no other class path, and runs a cell using it."""
    from jupyter_client.manager import KernelManager

    if os.path.exists(a.work):
        shutil.rmtree(a.work)
    os.makedirs(a.work)
    classes = os.path.join(a.work, "env-classes")
    jars = os.path.join(a.work, "env-jars")
    os.makedirs(jars)
    subprocess.run(["javac", "-d", classes, os.path.join(a.src, "kernel-fixtures", "src", "fixture", "FromEnv.java")],
                   check=True)
    subprocess.run(["jar", "--create", "--file", os.path.join(jars, "from-env.jar"), "-C", classes, "."], check=True)
    shutil.rmtree(classes)  # only the jar holds the class
    log_path = os.path.join(a.work, "kernel-classpath-env.log")
    log = open(log_path, "w")
    env = dict(os.environ, IJAVA_CLASSPATH="env-jars/*.jar")
    res = {"log": log_path, "IJAVA_CLASSPATH": env["IJAVA_CLASSPATH"]}
    km = KernelManager(kernel_name=KERNEL)
    km.start_kernel(stderr=log, stdout=log, cwd=a.work, env=env)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        content, msgs = execute(kc, 'fixture.FromEnv.hello("kernel")')
        res["status"] = content["status"]
        res["error"] = None if content["status"] == "ok" else "%s: %s" % (content.get("ename"), content.get("evalue"))
        res["result"] = result_text(msgs)
        content, msgs = execute(kc, "fixture.FromEnv.class.getProtectionDomain().getCodeSource().getLocation()")
        res["loaded_from"] = result_text(msgs)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
        log.close()
    with open(log_path) as f:
        res["log_text"] = f.read()[-4000:]
    out(res)
    return 0


def pid_alive(pid):
    if not pid:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


# ---------------------------------------------------------------- bench
def cmd_bench(a):
    from jupyter_client.manager import KernelManager

    starts, firsts = [], []
    cells, empties = [], []
    for run in range(a.runs):
        km = KernelManager(kernel_name=KERNEL)
        t0 = time.perf_counter()
        km.start_kernel(stderr=subprocess.DEVNULL)
        kc = km.client()
        kc.start_channels()
        kc.wait_for_ready(timeout=60)
        t1 = time.perf_counter()
        content, msgs = execute(kc, "1 + 1")
        t2 = time.perf_counter()
        assert result_text(msgs) == "2", msgs
        starts.append(t1 - t0)
        firsts.append(t2 - t0)
        if run == 0:
            for _ in range(10):
                execute(kc, "1")
            for _ in range(a.cells):
                s = time.perf_counter()
                execute(kc, "1")
                cells.append(time.perf_counter() - s)
            for _ in range(a.cells):
                s = time.perf_counter()
                execute(kc, "")
                empties.append(time.perf_counter() - s)
        kc.stop_channels()
        km.shutdown_kernel(now=False)

    def ms(xs):
        return {"median_ms": round(1000 * statistics.median(xs), 1), "mean_ms": round(1000 * statistics.mean(xs), 1),
                "min_ms": round(1000 * min(xs), 1), "max_ms": round(1000 * max(xs), 1), "n": len(xs)}

    out({"kernel_ready": ms(starts), "start_to_first_result": ms(firsts),
         "trivial_cell": ms(cells), "empty_cell": ms(empties),
         "cpus": os.cpu_count(), "load": os.getloadavg()})
    return 0


# ---------------------------------------------------------------- browser
CHROMIUM_TIMEOUT = 60  # seconds per run; a report normally takes 2-3 s (the JUnit side waits 400 s for all attempts)
CHROMIUM_ATTEMPTS = 3


def run_chromium(args, timeout):
    """(returncode or None on timeout, stdout, stderr). Chromium runs in its own process group, so a hung
    instance is killed with all its helper processes (renderer, GPU, zygote) rather than leaving them behind."""
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        o, e = p.communicate(timeout=timeout)
        return p.returncode, o, e
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        o, e = p.communicate()
        return None, o, e


def cmd_browser(a):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        out({"ok": False, "problem": "chromium is not installed (environment/setup --with-browser)"})
        return 1
    import re
    import tempfile
    url = "file://" + os.path.abspath(a.html)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--no-first-run", "--disable-extensions", "--disable-background-networking",
             "--virtual-time-budget=15000", "--run-all-compositor-stages-before-draw"]
    # Headless chromium now and then hangs on start-up (seen once in CI: 180 s on a report that draws in 2 s).
    # Each attempt gets its own profile directory, so a dying instance's lock cannot stall the next one.
    attempts = []
    for _ in range(CHROMIUM_ATTEMPTS):
        profile = tempfile.mkdtemp(prefix="merlab-chromium-")
        common = [chromium] + flags + ["--user-data-dir=" + profile]
        t0 = time.time()
        rc, html, err = run_chromium(common + ["--dump-dom", url], CHROMIUM_TIMEOUT)
        shot_rc, _, shot_err = (None, "", "")
        if rc is not None:
            shot_rc, _, shot_err = run_chromium(common + ["--window-size=1280,4000",
                                                          "--screenshot=" + os.path.abspath(a.screenshot), url],
                                                CHROMIUM_TIMEOUT)
        shutil.rmtree(profile, ignore_errors=True)
        attempts.append({"dom_rc": rc, "screenshot_rc": shot_rc, "seconds": round(time.time() - t0, 1)})
        if rc is not None and shot_rc is not None:
            break
    svgs = html.count('class="main-svg"')
    lines = re.findall(r'<path class="js-line"[^>]*d="([^"]+)"', html)
    points = [d.count("L") + 1 for d in lines]
    out({"ok": rc == 0, "attempts": attempts, "dom_bytes": len(html), "main_svg": svgs, "line_paths": len(lines),
         "points_per_line": points, "plotly_loaded": "plotly" in html.lower(),
         "screenshot": os.path.abspath(a.screenshot), "screenshot_exists": os.path.exists(a.screenshot),
         "chromium_stderr": (err + shot_err)[-1500:]})
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("check")
    n = sub.add_parser("notebook")
    n.add_argument("src")
    n.add_argument("work")
    n.add_argument("--timeout", type=int, default=300)
    pr = sub.add_parser("protocol")
    pr.add_argument("work")
    ce = sub.add_parser("classpath-env")
    ce.add_argument("src")
    ce.add_argument("work")
    b = sub.add_parser("bench")
    b.add_argument("--runs", type=int, default=3)
    b.add_argument("--cells", type=int, default=50)
    br = sub.add_parser("browser")
    br.add_argument("html")
    br.add_argument("screenshot")
    a = p.parse_args()
    return {"check": cmd_check, "notebook": cmd_notebook, "protocol": cmd_protocol, "classpath-env": cmd_classpath_env,
            "bench": cmd_bench, "browser": cmd_browser}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
