import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config/env-schema.js';
import { prometheusRule, RULES_TARGET } from '../../scripts/prometheus-rule.js';

/** What ops deploy: the Kubernetes manifests, the alert rules and the dashboard, checked with the real tools. */

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string }; spec?: Record<string, unknown>; data?: Record<string, string> };
const MODELS: Record<string, new (o: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'monitoring.coreos.com/v1/PrometheusRule': PrometheusRule,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

function render(overlay: string): K8sObject[] {
  const text = execFileSync('kubectl', ['kustomize', `deploy/kubernetes/overlays/${overlay}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return parseAllDocuments(text).map((d) => d.toJSON() as K8sObject).filter(Boolean);
}

describe('Kubernetes manifests', () => {
  it.each(['production', 'single'])('overlay %s renders, and every object validates against the Kubernetes schemas', (overlay) => {
    const objects = render(overlay);
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Deployment', 'NetworkPolicy', 'NetworkPolicy', 'PodDisruptionBudget', 'PodDisruptionBudget', 'PrometheusRule', 'Service', 'Service', 'ServiceAccount', 'ServiceMonitor']);
    for (const o of objects) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `${o.apiVersion} ${o.kind}`).toBeDefined();
      expect(() => new Model!(o as never).validate(), `${o.kind} ${o.metadata.name}`).not.toThrow();
    }
  });

  it('gives both Deployments probes, a grace period above the shutdown deadline, a restricted security context and secrets as files', () => {
    const objects = render('production');
    const config = objects.find((o) => o.kind === 'ConfigMap')!.data!;
    const known = new Set([...CONFIG_VARIABLES, ...CONFIG_VARIABLES.map((v) => `${v}_FILE`)]);
    expect(Object.keys(config).filter((k) => !known.has(k))).toEqual([]);
    for (const name of ['fusionpbx-sync-api', 'fusionpbx-sync-worker']) {
      const pod = (objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name)!.spec as { template: { spec: Record<string, any> } }).template.spec;
      expect(pod.enableServiceLinks).toBe(false);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(config.SHUTDOWN_TIMEOUT_MS) + 5_000);
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.initContainers.map((c: { args: string[] }) => c.args)).toEqual([['migrate']]);
      for (const c of [...pod.initContainers, ...pod.containers]) {
        expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(c.resources.requests.memory).toBeDefined();
        expect(c.resources.limits.memory).toBeDefined();
        expect(c.volumeMounts).toContainEqual({ name: 'secrets', mountPath: '/run/secrets/fusionpbx-sync', readOnly: true });
      }
      const [main] = pod.containers;
      expect(main.livenessProbe.httpGet.path).toBe('/healthz');
      expect(main.readinessProbe.httpGet.path).toBe('/readyz');
      expect(main.startupProbe.httpGet.path).toBe('/healthz');
    }
    // Every secret the daemon reads comes from the mounted Secret, none from the ConfigMap's values.
    for (const secret of ['DATABASE_URL', 'REDIS_URL', 'FUSIONPBX_DATABASE_URL', 'ADMIN_TOKENS', 'METRICS_TOKEN', 'FREESWITCH_ESL_PASSWORD']) {
      expect(config[secret]).toBeUndefined();
      expect(config[`${secret}_FILE`]).toMatch(/^\/run\/secrets\/fusionpbx-sync\//);
    }
  });

  it('carries the alert rules of deploy/prometheus/alerts.yml as they are (npm run k8s:rules)', () => {
    expect(readFileSync(RULES_TARGET, 'utf8')).toBe(prometheusRule());
  });
});

describe('alert rules and dashboard', () => {
  const promtool = (...args: string[]) => execFileSync('promtool', args, { cwd: 'deploy/prometheus', encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  it('pass promtool check rules and promtool test rules', () => {
    expect(promtool('check', 'rules', 'alerts.yml')).toContain('SUCCESS');
    expect(promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
  });

  it('test every alert and give each a runbook section in docs/operations.md', () => {
    const rules = (parse(readFileSync('deploy/prometheus/alerts.yml', 'utf8')) as { groups: Array<{ rules: Array<{ alert: string; annotations: { runbook_url: string } }> }> }).groups.flatMap((g) => g.rules);
    const tests = readFileSync('deploy/prometheus/alerts.test.yml', 'utf8');
    const operations = readFileSync('docs/operations.md', 'utf8');
    for (const rule of rules) {
      expect(tests, rule.alert).toContain(`alertname: ${rule.alert}`);
      expect(rule.annotations.runbook_url).toBe(`docs/operations.md#${rule.alert.toLowerCase()}`);
      expect(operations, rule.alert).toMatch(new RegExp(`^#+ ${rule.alert}$`, 'm'));
    }
  });

  it('dashboard: every query filters by the job variable, and gauges every process exports are taken once (max)', () => {
    const dashboard = JSON.parse(readFileSync('deploy/grafana/fusionpbx-sync-dashboard.json', 'utf8')) as { templating: { list: Array<{ name: string }> }; panels: Array<{ targets?: Array<{ expr: string }> }> };
    expect(dashboard.templating.list.map((v) => v.name)).toContain('job');
    for (const expr of dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr)) {
      expect(expr).toContain('job=~"$job"');
      for (const gauge of ['fps_sync_last_success_timestamp_seconds', 'fps_sync_quarantined_runs', 'fps_queue_jobs']) {
        if (expr.includes(gauge)) expect(expr, expr).toMatch(new RegExp(`max( by \\([a-z, ]+\\) )?\\(${gauge}`));
      }
    }
  });
});
