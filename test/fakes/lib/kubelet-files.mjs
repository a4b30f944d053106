// The kubelet's files on a fake kind node: /var/lib/kubelet/config.yaml as kubeadm v1.34 writes it
// (kubeadm's kubelet-start phase, with kind's patches), kind's kubelet.service and its drop-ins,
// and the unit program the node's fake systemctl delegates kubelet.service to
// (/usr/local/lib/cks-fake/units/kubelet.service, see kubelet-unit.cjs): it asks the simulated
// kubelet in the fake API server process to start, stop or restart, or for its state.
import fs from 'node:fs';
import path from 'node:path';

/** /var/lib/kubelet/config.yaml on a kind v1.34 node (no readOnlyPort: v1beta1's default is 0). */
export const KIND_KUBELET_CONFIG = `apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
  webhook:
    cacheAuthorizedTTL: 0s
    cacheUnauthorizedTTL: 0s
cgroupDriver: systemd
cgroupRoot: /kubelet
clusterDNS:
- 10.96.0.10
clusterDomain: cluster.local
containerRuntimeEndpoint: ""
cpuManagerReconcilePeriod: 0s
crashLoopBackOff: {}
evictionHard:
  imagefs.available: 0%
  nodefs.available: 0%
  nodefs.inodesFree: 0%
evictionPressureTransitionPeriod: 0s
failSwapOn: false
fileCheckFrequency: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
httpCheckFrequency: 0s
imageGCHighThresholdPercent: 100
imageMaximumGCAge: 0s
imageMinimumGCAge: 0s
kind: KubeletConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
memorySwap: {}
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
rotateCertificates: true
runtimeRequestTimeout: 0s
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
staticPodPath: /etc/kubernetes/manifests
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
volumeStatsAggPeriod: 0s
`;

/** kind's /etc/systemd/system/kubelet.service (images/base/files/etc/systemd/system/kubelet.service). */
const KUBELET_SERVICE = `# slightly modified from:
# https://github.com/kubernetes/release/blob/master/cmd/krel/templates/latest/kubelet/kubelet.service
[Unit]
Description=kubelet: The Kubernetes Node Agent
Documentation=http://kubernetes.io/docs/
# NOTE: kind deviates from upstream here to avoid crashlooping
# This does *not* support altering the kubelet config path though.
# We intend to upstream this change but first need to solve the upstream
# Packaging problem (all kubernetes versions use the same files out of band)
# Upstream is not a fan of this change.
ConditionPathExists=/var/lib/kubelet/config.yaml

[Service]
ExecStart=/usr/bin/kubelet
Restart=always
StartLimitInterval=0
# NOTE: kind deviates from upstream here with a lower RestartSec
RestartSec=1s
# And by adding these lines
CPUAccounting=true
MemoryAccounting=true
Slice=kubelet.slice
KillMode=process

[Install]
WantedBy=multi-user.target
`;

const KUBEADM_DROPIN = `# https://github.com/kubernetes/kubernetes/blob/ba8fcafaf8c502a454acd86b728c857932555315/build/debs/10-kubeadm.conf
# Note: This dropin only works with kubeadm and kubelet v1.11+
[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
# This is a file that "kubeadm init" and "kubeadm join" generate at runtime, populating the KUBELET_KUBEADM_ARGS variable dynamically
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
# This is a file that the user can use for overrides of the kubelet args as a last resort. Preferably, the user should use
# the .NodeRegistration.KubeletExtraArgs object in the configuration files instead. KUBELET_EXTRA_ARGS should be sourced from this file.
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;

const KIND_DROPIN = `# On cgroup v1, the /kubelet cgroup is created in the entrypoint script before running systemd.
# On cgroup v2, the /kubelet cgroup is created here. (See the comments in the entrypoint script for the reason.)
ExecStartPre=/bin/sh -euc "if [ -f /sys/fs/cgroup/cgroup.controllers ]; then /kind/bin/create-kubelet-cgroup-v2.sh; fi"
ExecStartPre=/bin/sh -euc "if [ ! -f /sys/fs/cgroup/cgroup.controllers ] && [ ! -d /sys/fs/cgroup/systemd/kubelet ]; then mkdir -p /sys/fs/cgroup/systemd/kubelet; fi"
`;

function write(root, rel, text, mode = 0o644) {
  const file = path.join(root, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text, { mode });
}

/** kubeadm's kubelet config (before the kubelet first starts) and kind's kubelet unit files. */
export function writeKubeletConfig(root) {
  write(root, 'var/lib/kubelet/config.yaml', KIND_KUBELET_CONFIG);
  write(root, 'etc/systemd/system/kubelet.service', KUBELET_SERVICE);
  write(root, 'etc/systemd/system/kubelet.service.d/10-kubeadm.conf', KUBEADM_DROPIN);
  write(root, 'etc/systemd/system/kubelet.service.d/11-kind.conf', `[Service]\n${KIND_DROPIN}`);
  fs.mkdirSync(path.join(root, 'etc/systemd/system/multi-user.target.wants'), { recursive: true });
  const link = path.join(root, 'etc/systemd/system/multi-user.target.wants/kubelet.service');
  if (!fs.existsSync(link)) fs.symlinkSync('/etc/systemd/system/kubelet.service', link);
}

/** The delegated unit program for kubelet.service, talking to the fake API server's CRI endpoint. */
export function writeKubeletUnit(root, api) {
  if (!api.criPort) return;
  const source = fs.readFileSync(new URL('./kubelet-unit.cjs', import.meta.url), 'utf8');
  write(root, 'usr/local/lib/cks-fake/units/kubelet.service', `#!/usr/bin/env node\n${source.replace("'__KUBELET_ENDPOINT__'", `'http://127.0.0.1:${api.criPort}/kubelet'`)}`, 0o755);
}
