/**
 * The GitHub App every simulator registers, so App mode works against it without any setup. With the `demo`
 * preset it is installed on the first organization (acme-corp) with all repositories.
 * The private key below exists only for the simulator: it authenticates nowhere else. Never use it on GitHub.
 */
export const DEMO_GITHUB_APP = {
  id: 1_099_001,
  slug: 'trackeep-demo',
  name: 'Trackeep (demo App)',
  clientId: 'Iv23litrackeepdemo01',
  clientSecret: 'trackeep-demo-app-secret',
  webhookSecret: 'trackeep-demo-app-webhook-secret',
  /** Organization the `demo` preset installs it on. */
  demoOrganization: 'acme-corp',
  permissions: {
    metadata: 'read',
    contents: 'read',
    pull_requests: 'read',
    issues: 'read',
    members: 'read',
  },
  events: [
    'create',
    'delete',
    'issues',
    'member',
    'membership',
    'organization',
    'pull_request',
    'pull_request_review',
    'push',
    'repository',
  ],
  privateKey: `-----BEGIN RSA PRIVATE KEY-----
MIIEogIBAAKCAQEArjo1Ah0/JpwDrHx7He5fr0m987DXpTcgQUF4AAwJim4KJOSQ
yYOfXkU/tIE6qieIYJvi9F0zr0czVWuvRG45rMThlBEs6YO0NEVERYs3zFBFBFcO
lOBc/q0/OcZNk5m1UcSxXsR6pAFHwM/cgecrj/KrYdiiCH0bqjJh1lUnpVsHHZEK
apdVuv827KfVQzVHXIcqlmU2zdaLMFNM6epPiSJIQyJmJ+6nodOehVG2TRH3N0aR
QTAT0OwavFcmJFAfSzo9fSXANEVd95tXLVXKiljs6748wH5XKlIDnqVH/Lq+BQ3j
zgFlilv4DsrQjKjoJRioSwvX+8N9QUzqGsTtOQIDAQABAoIBAEj1xiH7BmmQNveh
71rS6o34twuYWE3vHlpFZM+8OriWKThW4Q0KShBLtohL/7mmsXUngqyrZQv3KJeS
b0ScVhm0HvUHFkQ5q5qiERuAV97/FE/jdw9AP6FFAq+ai/0OBsDVuiNB60vH33ju
ctyRZowy5rMkaYJdhdrJm3AKm/4hxEvnOEKhvCJSyZAXPdOSoX3ABmN9I4ct8wEq
znIcco9Fp6X1dPTbwJPSez0fw6JllE5UpLzyMWEoqJz+ydGC+2NUxkfZgFnK7VDZ
RcQxoepnqRZWAPNjEwM7VhTlxsNi7rqM3sgDk3Ta0nZNG9zZk/9iimmom2kztOSu
KfU5Q0sCgYEA89luSgLRhCFE3jNTYN8oB6IdjA7uBNakQvsGLDT6dTKaELRyAxee
LETKXlAq8d5eJvfAeB8ztduLlGcuZFsMKdhaca+6G54idWln6E0Pn4KG1hjeVcgi
pIqq+Qn+E1GWIkUSPnacM/9b/bpFIw3cI1frmU2xHn/Im4lB2w3RY+cCgYEAtuir
s9jB1U/90QNi1GoEcVqSn5xvO9AbpWqUVgVxR+INam5HNysUMjfGdSupBkub2SEQ
YRUyqDleLR1Gzc6cupT9UpSQb10BRCrChIIAoKCS66sMWNndcM/1YjITuae1YGfo
av3fN4lrv+iEqzSoURIC0aghNAuqh7g158DNAd8CgYBlC6N1DcfuHa8g+FnDmZVH
3Hir8f/Vh3AXxVdgeC+U4vwOkgdwmpfTtkm5XTT+duvC8AUUgbF22Vv0ifEiaswW
hu2rkGrpSNT0nFIPY+dmbLsc+r8fAsjAMCn6+pYLQVKaLs8JjTLbJSTkdgxyIysm
hic9poEPp1nkgbMFZ6tt3wKBgAiil2iYNR5y9lKlzEam8qq/UejDI+U4//UhQPuG
qkBwhZ2eszIBkKSGSZJCi2pGq4bmrrVGoOucObv7g9o3hOKyIfuCFAeN5n9nXWOQ
F6N9sTH7E0wmjPPEfZszLgc3ybJRdYGHlsAydqnKumiyxbd+GC/5tgeU/WoG4lSc
n5EVAoGAHDhnezcSnu7GPkh8vmAPFr6FwPQxBhuhvHcOrVCKFZYA7dm7VMn4u1OD
6B+nMDAPCbb/pfky8maSIQrxoQtPTcMBjJLoPy7mhNNFHFsEQVCLJbXf3HkD+1/N
vA8QjE8VnqfWCc7Jro0krAlWdxlPS7jP+tZLNAPLqENzKspKbaU=
-----END RSA PRIVATE KEY-----`,
} as const;
