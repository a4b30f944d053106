import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawn as spawnPty } from 'node-pty';
import { parse } from 'yaml';
import { cleanupFakeClusters, fakeEnv } from './lib/env.mjs';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  raw: Buffer;
}

/** Gone, or a zombie waiting for its (new) parent to reap it: either way no longer running. */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, input?: string | Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const raw = Buffer.concat(out);
      resolve({ code, stdout: raw.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), raw });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

describe('fake kind and docker CLIs', function () {
  this.timeout(60_000);
  const env = fakeEnv({ phaseDelayMs: 0, apiserver: 'stub' });
  const home = env.CKS_FAKE_HOME;
  const node = 'alpha-control-plane';
  let createRun: Run;

  before(async () => {
    createRun = await run('kind', ['create', 'cluster', '--name', 'alpha', '--wait', '60s'], env);
  });

  after(async () => {
    await cleanupFakeClusters(env);
    fs.rmSync(home, { recursive: true, force: true });
  });

  describe('kind', () => {
    it('prints its version like kind v0.30.0', async () => {
      const r = await run('kind', ['version'], env);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, 'kind v0.30.0 go1.24.6 linux/amd64\n');
    });

    it('create prints every phase in order on stderr and exits 0', () => {
      assert.equal(createRun.code, 0, createRun.stderr);
      const lines = createRun.stderr.split('\n');
      assert.equal(lines[0], 'Creating cluster "alpha" ...');
      const phases = ['Ensuring node image (kindest/node:v1.34.0) 🖼', 'Preparing nodes 📦 ', 'Writing configuration 📜', 'Starting control-plane 🕹️', 'Installing CNI 🔌', 'Installing StorageClass 💾', 'Waiting ≤ 1m0s for control-plane = Ready ⏳'];
      let at = 0;
      for (const p of phases) {
        const started = lines.indexOf(` • ${p}  ...`, at);
        const done = lines.indexOf(` ✓ ${p}`, started);
        assert.ok(started > 0 && done === started + 1, `phase "${p}" not started/finished in order:\n${createRun.stderr}`);
        at = done;
      }
      assert.match(createRun.stderr, / • Ready after \d+s 💚\nSet kubectl context to "kind-alpha"\n/);
    });

    it('create merges a kind-alpha context into $KUBECONFIG that kubectl can use', async () => {
      const cfg = parse(fs.readFileSync(env.KUBECONFIG, 'utf8'));
      assert.equal(cfg['current-context'], 'kind-alpha');
      assert.match(cfg.clusters[0].cluster.server, /^http:\/\/127\.0\.0\.1:\d+$/);
      const r = await run('kubectl', ['--context', 'kind-alpha', 'get', '--raw', '/version'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(JSON.parse(r.stdout).gitVersion, /^v1\./);
    });

    it('get kubeconfig prints the same cluster; an unknown cluster fails like kind', async () => {
      const ok = await run('kind', ['get', 'kubeconfig', '--name', 'alpha'], env);
      assert.equal(ok.code, 0);
      assert.equal(parse(ok.stdout).contexts[0].name, 'kind-alpha');
      const bad = await run('kind', ['get', 'kubeconfig', '--name', 'nope'], env);
      assert.equal(bad.code, 1);
      assert.equal(bad.stderr, "ERROR: could not locate any control plane nodes for cluster named 'nope'. Use the --name option to select a different cluster\n");
    });

    it('get clusters and get nodes list what exists', async () => {
      const r = await run('kind', ['get', 'clusters'], env);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, 'alpha\n');
      const n = await run('kind', ['get', 'nodes', '--name', 'alpha'], env);
      assert.equal(n.stdout, `${node}\n`);
      const empty = fakeEnv();
      const none = await run('kind', ['get', 'clusters'], empty);
      assert.deepEqual([none.code, none.stdout, none.stderr], [0, '', 'No kind clusters found.\n']);
      fs.rmSync(empty.CKS_FAKE_HOME, { recursive: true });
    });

    it('refuses to create a cluster that already exists', async () => {
      const r = await run('kind', ['create', 'cluster', '--name', 'alpha'], env);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'ERROR: failed to create cluster: node(s) already exist for a cluster with the name "alpha"\n');
    });

    it('rejects invalid names and configs like kind', async () => {
      const bad = await run('kind', ['create', 'cluster', '--name', 'Bad_Name'], env);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^ERROR: failed to create cluster: 'Bad_Name' is not a valid cluster name/);
      const file = path.join(home, 'bad-config.yaml');
      fs.writeFileSync(file, 'kind: Pod\napiVersion: kind.x-k8s.io/v1alpha4\n');
      const cfg = await run('kind', ['create', 'cluster', '--name', 'cfg', '--config', file], env);
      assert.equal(cfg.code, 1);
      assert.equal(cfg.stderr, 'ERROR: failed to create cluster: unknown kind Pod for apiVersion: kind.x-k8s.io/v1alpha4\n');
    });

    it('takes the node image from the config file', async () => {
      const file = path.join(home, 'config.yaml');
      fs.writeFileSync(file, 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  image: kindest/node:v1.32.2\n');
      const r = await run('kind', ['create', 'cluster', '--name', 'cfg', '--config', file], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, / ✓ Ensuring node image \(kindest\/node:v1\.32\.2\) 🖼\n/);
      const manifest = await run('docker', ['exec', 'cfg-control-plane', 'cat', '/etc/kubernetes/manifests/kube-apiserver.yaml'], env);
      assert.match(manifest.stdout, /image: registry\.k8s\.io\/kube-apiserver:v1\.32\.2/);
      await run('kind', ['delete', 'cluster', '--name', 'cfg'], env);
    });

    it('FAKE_KIND_FAIL_AT fails that phase, exits 1 and removes the node unless --retain', async () => {
      const failing = { ...env, FAKE_KIND_FAIL_AT: 'Starting control-plane' };
      const r = await run('kind', ['create', 'cluster', '--name', 'broken'], failing);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\n ✗ Starting control-plane 🕹️\nERROR: failed to create cluster: failed to init node with kubeadm: command "docker exec/);
      assert.doesNotMatch(r.stderr, /Installing CNI/);
      assert.equal((await run('kind', ['get', 'clusters'], env)).stdout, 'alpha\n');
      const kept = await run('kind', ['create', 'cluster', '--name', 'broken', '--retain'], failing);
      assert.equal(kept.code, 1);
      assert.equal((await run('kind', ['get', 'clusters'], env)).stdout, 'alpha\nbroken\n');
      await run('kind', ['delete', 'cluster', '--name', 'broken'], env);
    });

    it('delete stops the API server, drops the kubeconfig entry and is idempotent', async () => {
      const c = await run('kind', ['create', 'cluster', '--name', 'gone'], env);
      assert.equal(c.code, 0, c.stderr);
      const record = JSON.parse(fs.readFileSync(path.join(home, 'clusters', 'gone', 'cluster.json'), 'utf8'));
      const first = await run('kind', ['delete', 'cluster', '--name', 'gone'], env);
      assert.deepEqual([first.code, first.stderr], [0, 'Deleting cluster "gone" ...\n']);
      assert.equal(fs.existsSync(path.join(home, 'clusters', 'gone')), false);
      assert.equal(running(record.apiserver.process.pid), false);
      assert.equal(running(record.nodes[0].process.pid), false);
      assert.doesNotMatch(fs.readFileSync(env.KUBECONFIG, 'utf8'), /kind-gone/);
      const again = await run('kind', ['delete', 'cluster', '--name', 'gone'], env);
      assert.deepEqual([again.code, again.stderr], [0, 'Deleting cluster "gone" ...\n']);
    });

    it('a create killed while the API server starts leaves a cluster that delete still stops and removes', async () => {
      // An API server that never says it is up: kind create waits for it until it is killed.
      const silent = path.join(home, 'silent-apiserver.mjs');
      fs.writeFileSync(silent, 'setInterval(() => {}, 1000);\n');
      const dir = path.join(home, 'clusters', 'cut');
      const create = spawn('kind', ['create', 'cluster', '--name', 'cut'], { env: { ...env, FAKE_KIND_APISERVER: silent }, detached: true, stdio: 'ignore' });
      const spawnedFile = path.join(dir, 'apiserver.process.json');
      const deadline = Date.now() + 30_000;
      while (!fs.existsSync(spawnedFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const server = JSON.parse(fs.readFileSync(spawnedFile, 'utf8')) as { pid: number };
      const closed = new Promise((r) => create.on('close', r));
      process.kill(-create.pid!, 'SIGKILL'); // the whole `kind` process group, as a pod exec is killed
      await closed;
      assert.equal(running(server.pid), true, 'the API server outlives the killed create');
      assert.match((await run('kind', ['get', 'clusters'], env)).stdout, /^cut$/m);
      const node = JSON.parse(fs.readFileSync(path.join(dir, 'node.process.json'), 'utf8')) as { pid: number };
      const del = await run('kind', ['delete', 'cluster', '--name', 'cut'], env);
      assert.equal(del.code, 0, del.stderr);
      assert.equal(running(server.pid), false, 'delete stops the API server the create never recorded');
      assert.equal(running(node.pid), false);
      assert.equal(fs.existsSync(dir), false);
    });
  });

  describe('docker', () => {
    it('reports its server version, and fails like docker when the daemon is down', async () => {
      const ok = await run('docker', ['version', '--format', '{{.Server.Version}}'], env);
      assert.equal(ok.code, 0);
      assert.match(ok.stdout, /^28\.\d+\.\d+\n$/);
      const down = { ...env, FAKE_DOCKER_DOWN: '1' };
      const r = await run('docker', ['info', '--format', '{{.ServerVersion}}'], down);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n');
      const k = await run('kind', ['create', 'cluster', '--name', 'nodocker'], down);
      assert.equal(k.code, 1);
      assert.equal(k.stderr, `ERROR: failed to create cluster: failed to list nodes: command "docker ps -a --filter label=io.x-k8s.kind.cluster=nodocker --format '{{.Names}}'" failed with error: exit status 1\nCommand Output: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n`);
    });

    it('ps lists kind nodes with their labels', async () => {
      const r = await run('docker', ['ps', '--filter', 'label=io.x-k8s.kind.cluster', '--format', '{{.Names}} {{.Label "io.x-k8s.kind.cluster"}} {{.State}}'], env);
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `${node} alpha running\n`);
    });

    it('exec runs a real command that sees the node files at their real paths', async () => {
      const r = await run('docker', ['exec', node, 'sh', '-c', 'hostname; grep -c kube-apiserver /etc/kubernetes/manifests/kube-apiserver.yaml; echo $HOME'], env);
      assert.equal(r.code, 0, r.stderr);
      const [hostname, count, homeDir] = r.stdout.trim().split('\n');
      assert.equal(hostname, node);
      assert.ok(Number(count) > 0);
      assert.equal(homeDir, '/root');
    });

    it('kubectl inside the node reaches the API server through admin.conf', async () => {
      const r = await run('docker', ['exec', '-e', 'KUBECONFIG=/etc/kubernetes/admin.conf', node, 'kubectl', 'get', '--raw', '/version'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(JSON.parse(r.stdout).gitVersion, /^v1\./);
    });

    it('writes persist between execs, land in the node dir and never on the host', async () => {
      const tag = crypto.randomBytes(4).toString('hex');
      const etcFile = `/etc/cks-fake-${tag}`;
      const rootFile = `/root/cks-fake-${tag}`;
      const w = await run('docker', ['exec', '-i', node, 'bash', '-s'], env, `echo etc-${tag} > ${etcFile}\necho root-${tag} > ${rootFile}\nmkdir -p /etc/kubernetes/enc && echo enc > /etc/kubernetes/enc/enc.yaml\n`);
      assert.equal(w.code, 0, w.stderr);
      const r = await run('docker', ['exec', node, 'cat', etcFile, rootFile, '/etc/kubernetes/enc/enc.yaml'], env);
      assert.equal(r.stdout, `etc-${tag}\nroot-${tag}\nenc\n`);
      const nodeDir = path.join(home, 'clusters', 'alpha', 'node');
      assert.equal(fs.readFileSync(path.join(nodeDir, etcFile), 'utf8'), `etc-${tag}\n`);
      assert.equal(fs.readFileSync(path.join(nodeDir, rootFile), 'utf8'), `root-${tag}\n`);
      assert.equal(fs.existsSync(etcFile), false);
      assert.equal(fs.existsSync(rootFile), false);
      assert.equal(fs.existsSync('/etc/kubernetes/enc/enc.yaml'), false);
    });

    it('passes exit codes, stdin and binary stdout through unchanged', async () => {
      const code = await run('docker', ['exec', node, 'sh', '-c', 'exit 42'], env);
      assert.equal(code.code, 42);
      const bytes = crypto.randomBytes(4096);
      const put = await run('docker', ['exec', '-i', node, 'sh', '-c', 'cat > /tmp/blob'], env, bytes);
      assert.equal(put.code, 0);
      const get = await run('docker', ['exec', node, 'cat', '/tmp/blob'], env);
      assert.ok(get.raw.equals(bytes));
    });

    it('fails like docker for a missing container or command', async () => {
      const missing = await run('docker', ['exec', 'nope-control-plane', 'ls'], env);
      assert.deepEqual([missing.code, missing.stderr], [1, 'Error response from daemon: No such container: nope-control-plane\n']);
      const cmd = await run('docker', ['exec', node, 'no-such-cmd'], env);
      assert.equal(cmd.code, 127);
      assert.match(cmd.stderr, /exec: "no-such-cmd": executable file not found in \$PATH/);
      const down = await run('docker', ['exec', node, 'true'], { ...env, FAKE_DOCKER_DOWN: '1' });
      assert.equal(down.code, 1);
      assert.match(down.stderr, /^Cannot connect to the Docker daemon/);
    });

    it('exec -it gives an interactive login shell on a pty: prompt, Ctrl-C, exit code', async () => {
      const term = spawnPty('docker', ['exec', '-it', '-e', 'KUBECONFIG=/etc/kubernetes/admin.conf', node, 'bash', '-l'], { cols: 100, rows: 30, env });
      let out = '';
      term.onData((d) => (out += d));
      const waitFor = async (re: RegExp) => {
        const deadline = Date.now() + 10_000;
        while (!re.test(out)) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; got:\n${out}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const exited = new Promise<number>((r) => term.onExit((e) => r(e.exitCode)));
      await waitFor(new RegExp(`root@${node}:/# `));
      term.write('sleep 30\r');
      await new Promise((r) => setTimeout(r, 300));
      term.write('\x03');
      term.write('echo status=$?\r');
      await waitFor(/status=130/);
      term.write('exit 3\r');
      assert.equal(await exited, 3);
    });
  });
});
