/**
 * The constraint CRD Gatekeeper makes for a ConstraintTemplate (frameworks
 * constraint/pkg/client/crds: CreateCRD + CreateSchema): group constraints.gatekeeper.sh, cluster
 * scope, plural and singular the lower-cased kind, categories constraint/constraints, versions
 * v1beta1 (storage) and v1alpha1, status subresource, printer columns enforcement-action and
 * total-violations; spec.match (Gatekeeper's match schema, descriptions left out),
 * spec.enforcementAction (string, default deny), spec.scopedEnforcementActions and
 * spec.parameters (the template's openAPIV3Schema).
 */
import type { KubeObject } from '../store.js';

const strings = { type: 'array', items: { type: 'string' } };
const glob = { type: 'array', items: { type: 'string', pattern: '^\\*?[-:a-z0-9]*\\*?$' } };
const labelSelector = {
  type: 'object',
  properties: {
    matchExpressions: {
      type: 'array',
      items: { type: 'object', required: ['key', 'operator'], properties: { key: { type: 'string' }, operator: { type: 'string' }, values: strings } },
    },
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

/** Gatekeeper's match schema (pkg/target/matchcrd_constant.go), without its descriptions. */
export const MATCH_SCHEMA = {
  type: 'object',
  properties: {
    excludedNamespaces: glob,
    kinds: { type: 'array', items: { type: 'object', properties: { apiGroups: strings, kinds: strings } } },
    labelSelector,
    name: { type: 'string', pattern: '^\\*?[-:a-z0-9]*\\*?$' },
    namespaceSelector: labelSelector,
    namespaces: glob,
    scope: { type: 'string' },
    source: { type: 'string', enum: ['All', 'Generated', 'Original'] },
  },
};

/** The CustomResourceDefinition for a template whose constraint kind is `kind`. */
export function constraintCrd(template: KubeObject, kind: string): KubeObject {
  const names = (template.spec?.crd?.spec?.names ?? {}) as Record<string, any>;
  const params = template.spec?.crd?.spec?.validation?.openAPIV3Schema as Record<string, unknown> | undefined;
  const plural = kind.toLowerCase();
  const schema = {
    type: 'object',
    properties: {
      metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 63 } } },
      spec: {
        type: 'object',
        properties: {
          enforcementAction: { type: 'string', default: 'deny' },
          match: MATCH_SCHEMA,
          ...(params ? { parameters: params } : {}),
          scopedEnforcementActions: {
            type: 'array',
            items: { type: 'object', properties: { action: { type: 'string' }, enforcementPoints: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' } } } } } },
          },
        },
      },
      status: { 'x-kubernetes-preserve-unknown-fields': true },
    },
  };
  const columns = [
    { name: 'enforcement-action', type: 'string', description: 'Type of enforcement action', jsonPath: '.spec.enforcementAction' },
    { name: 'total-violations', type: 'integer', description: 'Total number of violations', jsonPath: '.status.totalViolations' },
  ];
  const version = (name: string, storage: boolean): Record<string, unknown> => ({ name, served: true, storage, schema: { openAPIV3Schema: schema }, subresources: { status: {} }, additionalPrinterColumns: columns });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${plural}.constraints.gatekeeper.sh`,
      labels: { ...((template.metadata.labels ?? {}) as Record<string, string>), 'gatekeeper.sh/constraint': 'yes' },
      ownerReferences: [{ apiVersion: 'templates.gatekeeper.sh/v1', kind: 'ConstraintTemplate', name: template.metadata.name, uid: template.metadata.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: {
      group: 'constraints.gatekeeper.sh',
      names: { kind, listKind: `${kind}List`, plural, singular: plural, ...(Array.isArray(names.shortNames) ? { shortNames: names.shortNames } : {}), categories: ['constraint', 'constraints'] },
      scope: 'Cluster',
      preserveUnknownFields: false,
      versions: [version('v1beta1', true), version('v1alpha1', false)],
    },
  };
}
