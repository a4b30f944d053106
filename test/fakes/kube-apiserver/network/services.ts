/**
 * Service networking as the API server and a kind cluster set it up: a ClusterIP from kind's
 * service range (10.96.0.0/16) for every Service that asks for one, ports defaulted (TCP,
 * targetPort = port), and the cluster DNS kind installs (ServiceAccount, ConfigMap and Deployment
 * `coredns` and Service `kube-dns` at 10.96.0.10 in kube-system, pods labelled k8s-app=kube-dns).
 */
import { randomInt } from 'node:crypto';
import { findResource } from '../resources.js';
import type { KubeObject, ObjectStore } from '../store.js';
import { DNS_SERVICE_IP } from './model.js';

const SERVICES = findResource('', 'v1', 'services')!;
const RESERVED = new Set(['10.96.0.0', '10.96.0.1', DNS_SERVICE_IP, '10.96.255.255']);

/** Fills a new Service's ClusterIP (when not given, not headless, not ExternalName) and port defaults. */
export function defaultServiceNetworking(store: ObjectStore, svc: KubeObject): void {
  const spec = (svc.spec ??= {}) as Record<string, any>;
  for (const p of (spec.ports ?? []) as Record<string, any>[]) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
  }
  if (spec.type === 'ExternalName') return;
  if (!spec.clusterIP) {
    const used = new Set(store.list(SERVICES).map((s) => String(s.spec?.clusterIP ?? '')));
    let ip: string;
    do ip = `10.96.${randomInt(256)}.${randomInt(1, 255)}`;
    while (used.has(ip) || RESERVED.has(ip));
    spec.clusterIP = ip;
  }
  spec.clusterIPs ??= [spec.clusterIP];
  spec.ipFamilies ??= ['IPv4'];
  spec.ipFamilyPolicy ??= 'SingleStack';
  spec.internalTrafficPolicy ??= 'Cluster';
}

const COREFILE = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;

/** kind's cluster DNS objects (kubeadm's CoreDNS addon), as manifests to create when missing. */
export function clusterDnsObjects(): { group: string; resource: string; object: KubeObject }[] {
  const labels = { 'k8s-app': 'kube-dns' };
  const meta = (name: string, extra: Record<string, unknown> = {}): Record<string, any> => ({ name, namespace: 'kube-system', ...extra });
  return [
    { group: '', resource: 'serviceaccounts', object: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('coredns') } },
    { group: '', resource: 'configmaps', object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('coredns'), data: { Corefile: COREFILE } } },
    {
      group: '', resource: 'services',
      object: {
        apiVersion: 'v1', kind: 'Service',
        metadata: meta('kube-dns', { labels: { ...labels, 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' }, annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' } }),
        spec: {
          clusterIP: DNS_SERVICE_IP, selector: labels,
          ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }, { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 }],
        },
      },
    },
    {
      group: 'apps', resource: 'deployments',
      object: {
        apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta('coredns', { labels }),
        spec: {
          replicas: 2, selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: 'coredns', priorityClassName: 'system-cluster-critical', dnsPolicy: 'Default',
              tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
              containers: [{
                name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.12.1', args: ['-conf', '/etc/coredns/Corefile'],
                ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }, { name: 'metrics', containerPort: 9153, protocol: 'TCP' }],
                volumeMounts: [{ name: 'config-volume', mountPath: '/etc/coredns', readOnly: true }],
              }],
              volumes: [{ name: 'config-volume', configMap: { name: 'coredns', items: [{ key: 'Corefile', path: 'Corefile' }] } }],
            },
          },
        },
      },
    },
  ];
}
