/**
 * `npm run k8s:rules`: writes deploy/kubernetes/base/prometheusrule.yaml (Prometheus Operator)
 * from deploy/prometheus/alerts.yml, the one source of the alert rules. A test fails when the two
 * disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

export const RULES_SOURCE = 'deploy/prometheus/alerts.yml';
export const RULES_TARGET = 'deploy/kubernetes/base/prometheusrule.yaml';

export function prometheusRule(): string {
  const rules = parse(readFileSync(RULES_SOURCE, 'utf8')) as { groups: unknown[] };
  const resource = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'fusionpbx-sync' }, spec: { groups: rules.groups } };
  return `# Generated from ${RULES_SOURCE} by \`npm run k8s:rules\`: edit that file, not this one.\n${stringify(resource, { lineWidth: 0 })}`;
}

if (process.argv[1]?.endsWith('prometheus-rule.ts')) {
  writeFileSync(RULES_TARGET, prometheusRule());
  process.stdout.write(`wrote ${RULES_TARGET}\n`);
}
