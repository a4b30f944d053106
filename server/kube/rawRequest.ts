/**
 * One raw request to the cluster API with the kubeconfig's credentials and CA (what `apiRequest`
 * probes send: any method, path and headers, e.g. an `Audit-ID`). The answer's body is capped;
 * a transport failure rejects with the system error (its `code`: ECONNREFUSED …) and a 429/5xx a
 * restarting API gives rejects with an ApiException, so the caller's restart handling applies.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { ApiException, type KubeConfig } from '@kubernetes/client-node';
import type { ApiAnswer, ApiRequest } from '../grading/types.js';

/** Bytes of an answer's body kept. */
export const MAX_ANSWER_BYTES = 1024 * 1024;

export async function sendRawRequest(kc: KubeConfig, server: string, req: ApiRequest, timeoutMs: number): Promise<ApiAnswer> {
  const url = new URL(req.path, server);
  const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'cks-lab-grader', ...(req.headers ?? {}) };
  if (req.body !== undefined) {
    headers['Content-Type'] = req.contentType ?? 'application/json';
    headers['Content-Length'] = String(Buffer.byteLength(req.body));
  }
  const opts: RequestOptions = { method: req.method, timeout: timeoutMs, headers };
  await kc.applyToHTTPSOptions(opts);
  opts.headers = { ...(opts.headers as Record<string, string>), ...headers };
  if (url.protocol !== 'https:') delete opts.agent;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<ApiAnswer>((resolve, reject) => {
    const r = send(url, opts, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_ANSWER_BYTES) chunks.push(c.subarray(0, MAX_ANSWER_BYTES - size));
        size += c.length;
      });
      res.on('error', reject);
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8');
        const answerHeaders = Object.fromEntries(Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v ?? '')]));
        if (code === 429 || code === 502 || code === 503 || code === 504) return reject(new ApiException(code, `HTTP ${code}`, body, answerHeaders));
        resolve({ code, body, headers: answerHeaders });
      });
    });
    r.on('timeout', () => r.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    r.on('error', reject);
    r.end(req.body);
  });
}
