/**
 * Unknown fields, as the API server's strict field validation (kubectl's default) refuses them:
 * the JSON schemas of kubernetes-models let extra properties through, so the field names come from
 * @kubernetes/client-node's generated models of the same Kubernetes release (attributeTypeMap).
 */
import * as clientNode from '@kubernetes/client-node';

type Obj = Record<string, any>;

/**
 * Field names the 1.34 API knows, from client-node's generated models (attributeTypeMap): what the
 * API server's strict field validation (kubectl's default) would refuse as "unknown field".
 */
export function unknownFields(value: unknown, type: string, path: string, out: string[]): string[] {
  if (value === null || value === undefined) return out;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value)) value.forEach((v, i) => unknownFields(v, array[1]!, `${path}[${i}]`, out));
    return out;
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    for (const [k, v] of Object.entries(value as Obj)) unknownFields(v, map[1]!, `${path}.${k}`, out);
    return out;
  }
  const model = (clientNode as unknown as Record<string, { getAttributeTypeMap?: () => { baseName: string; type: string }[] }>)[type];
  if (!model?.getAttributeTypeMap || typeof value !== 'object') return out;
  const fields = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  for (const [k, v] of Object.entries(value as Obj)) {
    const t = fields.get(k);
    if (t === undefined) out.push(`${path}.${k}`);
    else unknownFields(v, t, `${path}.${k}`, out);
  }
  return out;
}
