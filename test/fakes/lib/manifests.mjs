// kubeadm-shaped static pod manifests for the fake control-plane node.
import { stringify } from 'yaml';

/** etcd image tag kubeadm pins for each Kubernetes minor. */
const ETCD_FOR_MINOR = { 29: '3.5.16-0', 30: '3.5.15-0', 31: '3.5.15-0', 32: '3.5.16-0', 33: '3.5.21-0', 34: '3.6.4-0', 35: '3.6.6-0' };

/** Kubernetes version (vX.Y.Z) of a kindest/node image, e.g. "kindest/node:v1.34.0@sha256:…". */
export function kubeVersionOf(image) {
  const m = /:(v\d+\.\d+\.\d+)/.exec(image);
  return m ? m[1] : 'v1.34.0';
}

function etcdTag(version) {
  const minor = Number(version.split('.')[1]);
  return ETCD_FOR_MINOR[minor] ?? '3.6.4-0';
}

function hostPathVolumes(list) {
  return list.map(([name, path, type]) => ({ hostPath: { path, type }, name }));
}

function mounts(list) {
  return list.map(([name, mountPath, readOnly]) => ({ mountPath, name, ...(readOnly ? { readOnly: true } : {}) }));
}

function probe(host, path, port, failureThreshold, extra = {}) {
  return { failureThreshold, httpGet: { host, path, port, scheme: port === 2381 ? 'HTTP' : 'HTTPS' }, ...extra, periodSeconds: 10, timeoutSeconds: 15 };
}

function pod(name, container, volumes, annotations) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...(annotations ? { annotations } : {}), labels: { component: name, tier: 'control-plane' }, name, namespace: 'kube-system' },
    spec: {
      containers: [container],
      hostNetwork: true,
      priority: 2000001000,
      priorityClassName: 'system-node-critical',
      securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      volumes,
    },
    status: {},
  };
}

const CA_VOLUMES = [
  ['ca-certs', '/etc/ssl/certs', 'DirectoryOrCreate'],
  ['etc-ca-certificates', '/etc/ca-certificates', 'DirectoryOrCreate'],
];
const CA_MOUNTS = [
  ['ca-certs', '/etc/ssl/certs', true],
  ['etc-ca-certificates', '/etc/ca-certificates', true],
];
const SHARE_VOLUMES = [
  ['usr-local-share-ca-certificates', '/usr/local/share/ca-certificates', 'DirectoryOrCreate'],
  ['usr-share-ca-certificates', '/usr/share/ca-certificates', 'DirectoryOrCreate'],
];
const SHARE_MOUNTS = [
  ['usr-local-share-ca-certificates', '/usr/local/share/ca-certificates', true],
  ['usr-share-ca-certificates', '/usr/share/ca-certificates', true],
];

function kubeApiserver(ip, version) {
  const command = [
    'kube-apiserver',
    `--advertise-address=${ip}`,
    '--allow-privileged=true',
    '--authorization-mode=Node,RBAC',
    '--client-ca-file=/etc/kubernetes/pki/ca.crt',
    '--enable-admission-plugins=NodeRestriction',
    '--enable-bootstrap-token-auth=true',
    '--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt',
    '--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt',
    '--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key',
    '--etcd-servers=https://127.0.0.1:2379',
    '--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt',
    '--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key',
    '--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname',
    '--proxy-client-cert-file=/etc/kubernetes/pki/front-proxy-client.crt',
    '--proxy-client-key-file=/etc/kubernetes/pki/front-proxy-client.key',
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-username-headers=X-Remote-User',
    '--runtime-config=',
    '--secure-port=6443',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    '--service-account-key-file=/etc/kubernetes/pki/sa.pub',
    '--service-account-signing-key-file=/etc/kubernetes/pki/sa.key',
    '--service-cluster-ip-range=10.96.0.0/16',
    '--tls-cert-file=/etc/kubernetes/pki/apiserver.crt',
    '--tls-private-key-file=/etc/kubernetes/pki/apiserver.key',
  ];
  const container = {
    command,
    image: `registry.k8s.io/kube-apiserver:${version}`,
    imagePullPolicy: 'IfNotPresent',
    livenessProbe: probe(ip, '/livez', 'probe-port', 8, { initialDelaySeconds: 10 }),
    name: 'kube-apiserver',
    ports: [{ containerPort: 6443, name: 'probe-port', protocol: 'TCP' }],
    readinessProbe: { failureThreshold: 3, httpGet: { host: ip, path: '/readyz', port: 'probe-port', scheme: 'HTTPS' }, periodSeconds: 1, timeoutSeconds: 15 },
    resources: { requests: { cpu: '250m' } },
    startupProbe: probe(ip, '/livez', 'probe-port', 24, { initialDelaySeconds: 10 }),
    volumeMounts: mounts([...CA_MOUNTS, ['k8s-certs', '/etc/kubernetes/pki', true], ...SHARE_MOUNTS]),
  };
  const volumes = hostPathVolumes([...CA_VOLUMES, ['k8s-certs', '/etc/kubernetes/pki', 'DirectoryOrCreate'], ...SHARE_VOLUMES]);
  return pod('kube-apiserver', container, volumes, { 'kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint': `${ip}:6443` });
}

function etcd(ip, name, version) {
  const command = [
    'etcd',
    `--advertise-client-urls=https://${ip}:2379`,
    '--cert-file=/etc/kubernetes/pki/etcd/server.crt',
    '--client-cert-auth=true',
    '--data-dir=/var/lib/etcd',
    '--experimental-initial-corrupt-check=true',
    '--experimental-watch-progress-notify-interval=5s',
    `--initial-advertise-peer-urls=https://${ip}:2380`,
    `--initial-cluster=${name}=https://${ip}:2380`,
    '--key-file=/etc/kubernetes/pki/etcd/server.key',
    `--listen-client-urls=https://127.0.0.1:2379,https://${ip}:2379`,
    '--listen-metrics-urls=http://127.0.0.1:2381',
    `--listen-peer-urls=https://${ip}:2380`,
    `--name=${name}`,
    '--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt',
    '--peer-client-cert-auth=true',
    '--peer-key-file=/etc/kubernetes/pki/etcd/peer.key',
    '--peer-trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
    '--snapshot-count=10000',
    '--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
  ];
  const container = {
    command,
    image: `registry.k8s.io/etcd:${etcdTag(version)}`,
    imagePullPolicy: 'IfNotPresent',
    livenessProbe: probe('127.0.0.1', '/livez', 2381, 8, { initialDelaySeconds: 10 }),
    name: 'etcd',
    readinessProbe: { failureThreshold: 3, httpGet: { host: '127.0.0.1', path: '/readyz', port: 2381, scheme: 'HTTP' }, periodSeconds: 1, timeoutSeconds: 15 },
    resources: { requests: { cpu: '100m', memory: '100Mi' } },
    startupProbe: probe('127.0.0.1', '/readyz', 2381, 24, { initialDelaySeconds: 10 }),
    volumeMounts: mounts([['etcd-data', '/var/lib/etcd'], ['etcd-certs', '/etc/kubernetes/pki/etcd']]),
  };
  const volumes = hostPathVolumes([
    ['etcd-certs', '/etc/kubernetes/pki/etcd', 'DirectoryOrCreate'],
    ['etcd-data', '/var/lib/etcd', 'DirectoryOrCreate'],
  ]);
  return pod('etcd', container, volumes, { 'kubeadm.kubernetes.io/etcd.advertise-client-urls': `https://${ip}:2379` });
}

function controllerManager(cluster, version) {
  const command = [
    'kube-controller-manager',
    '--allocate-node-cidrs=true',
    '--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf',
    '--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf',
    '--bind-address=127.0.0.1',
    '--client-ca-file=/etc/kubernetes/pki/ca.crt',
    '--cluster-cidr=10.244.0.0/16',
    `--cluster-name=${cluster}`,
    '--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt',
    '--cluster-signing-key-file=/etc/kubernetes/pki/ca.key',
    '--controllers=*,bootstrapsigner,tokencleaner',
    '--enable-hostpath-provisioner=true',
    '--kubeconfig=/etc/kubernetes/controller-manager.conf',
    '--leader-elect=true',
    '--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt',
    '--root-ca-file=/etc/kubernetes/pki/ca.crt',
    '--service-account-private-key-file=/etc/kubernetes/pki/sa.key',
    '--service-cluster-ip-range=10.96.0.0/16',
    '--use-service-account-credentials=true',
  ];
  const container = {
    command,
    image: `registry.k8s.io/kube-controller-manager:${version}`,
    imagePullPolicy: 'IfNotPresent',
    livenessProbe: probe('127.0.0.1', '/healthz', 10257, 8, { initialDelaySeconds: 10 }),
    name: 'kube-controller-manager',
    resources: { requests: { cpu: '200m' } },
    startupProbe: probe('127.0.0.1', '/healthz', 10257, 24, { initialDelaySeconds: 10 }),
    volumeMounts: mounts([
      ...CA_MOUNTS,
      ['flexvolume-dir', '/usr/libexec/kubernetes/kubelet-plugins/volume/exec'],
      ['k8s-certs', '/etc/kubernetes/pki', true],
      ['kubeconfig', '/etc/kubernetes/controller-manager.conf', true],
      ...SHARE_MOUNTS,
    ]),
  };
  const volumes = hostPathVolumes([
    ...CA_VOLUMES,
    ['flexvolume-dir', '/usr/libexec/kubernetes/kubelet-plugins/volume/exec', 'DirectoryOrCreate'],
    ['k8s-certs', '/etc/kubernetes/pki', 'DirectoryOrCreate'],
    ['kubeconfig', '/etc/kubernetes/controller-manager.conf', 'FileOrCreate'],
    ...SHARE_VOLUMES,
  ]);
  return pod('kube-controller-manager', container, volumes);
}

function scheduler(version) {
  const container = {
    command: [
      'kube-scheduler',
      '--authentication-kubeconfig=/etc/kubernetes/scheduler.conf',
      '--authorization-kubeconfig=/etc/kubernetes/scheduler.conf',
      '--bind-address=127.0.0.1',
      '--kubeconfig=/etc/kubernetes/scheduler.conf',
      '--leader-elect=true',
    ],
    image: `registry.k8s.io/kube-scheduler:${version}`,
    imagePullPolicy: 'IfNotPresent',
    livenessProbe: probe('127.0.0.1', '/livez', 10259, 8, { initialDelaySeconds: 10 }),
    name: 'kube-scheduler',
    readinessProbe: { failureThreshold: 3, httpGet: { host: '127.0.0.1', path: '/readyz', port: 10259, scheme: 'HTTPS' }, periodSeconds: 1, timeoutSeconds: 15 },
    resources: { requests: { cpu: '100m' } },
    startupProbe: probe('127.0.0.1', '/livez', 10259, 24, { initialDelaySeconds: 10 }),
    volumeMounts: mounts([['kubeconfig', '/etc/kubernetes/scheduler.conf', true]]),
  };
  return pod('kube-scheduler', container, hostPathVolumes([['kubeconfig', '/etc/kubernetes/scheduler.conf', 'FileOrCreate']]));
}

const toYaml = (obj) => stringify(obj, { indentSeq: false, lineWidth: 0 });

/** { fileName: yamlText } for /etc/kubernetes/manifests. */
export function staticPodManifests({ cluster, ip, image }) {
  const version = kubeVersionOf(image);
  const node = `${cluster}-control-plane`;
  return {
    'etcd.yaml': toYaml(etcd(ip, node, version)),
    'kube-apiserver.yaml': toYaml(kubeApiserver(ip, version)),
    'kube-controller-manager.yaml': toYaml(controllerManager(cluster, version)),
    'kube-scheduler.yaml': toYaml(scheduler(version)),
  };
}
