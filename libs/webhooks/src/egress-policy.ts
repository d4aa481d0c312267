import { BlockList, isIP } from 'node:net';

/**
 * Where webhook requests may go. Without WEBHOOK_ALLOW_PRIVATE_NETWORKS, every address a tenant
 * could use to reach the service's own network is refused: loopback, private, link-local (which
 * holds the cloud metadata endpoints), carrier-grade NAT, unique-local, multicast, reserved.
 */
const forbidden = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  forbidden.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  forbidden.addSubnet(net, prefix, 'ipv6');
}

/** True when `address` (an IP literal) is in a range webhooks must not reach. */
export function isForbiddenAddress(address: string): boolean {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 0) return true;
  if (family === 6) {
    // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible forms reach IPv4 hosts: judge those.
    const mapped = /^(?:::ffff:|::)(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
    if (mapped) return forbidden.check(mapped[1], 'ipv4');
    const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
    if (hexMapped) {
      const hi = parseInt(hexMapped[1], 16);
      const lo = parseInt(hexMapped[2], 16);
      return forbidden.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
    }
    return forbidden.check(bare, 'ipv6');
  }
  return forbidden.check(bare, 'ipv4');
}

export interface EgressRules {
  production: boolean;
  allowPrivateNetworks: boolean;
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Problems with a webhook URL as written (scheme, credentials, literal addresses); [] when fine. */
export function webhookUrlProblems(raw: string, rules: EgressRules): string[] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return ['must be an absolute URL'];
  }
  if (raw.length > 2048) return ['must be at most 2048 characters'];
  const problems: string[] = [];
  if (url.protocol === 'http:') {
    if (rules.production || !LOCAL_HOSTS.has(url.hostname))
      problems.push('must use https (http is allowed only for localhost outside production)');
  } else if (url.protocol !== 'https:') {
    problems.push('must use https');
  }
  if (url.username || url.password) problems.push('must not contain credentials');
  if (url.hash) problems.push('must not contain a fragment');
  if (
    !rules.allowPrivateNetworks &&
    isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0 &&
    isForbiddenAddress(url.hostname)
  ) {
    problems.push('points to a private, loopback, link-local or reserved address');
  }
  return problems;
}
