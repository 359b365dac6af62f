/**
 * The interception product table (data): products that read TLS by re-signing it, recognised by
 * the exact subject of the authority they sign with, each rule with its source, confidence and
 * the date it was checked. Loaded and validated by interception.ts (the rules are explained
 * there). A TypeScript module rather than JSON so every loader reads it alike (Node ESM needs an
 * import attribute for JSON; the bundles and tsx do not).
 */
export const INTERCEPTION_PRODUCTS_DATA = {
  about: [
    'Products that read TLS by re-signing it (antivirus mail and web scanning, firewalls, proxies), recognised by the exact subject of the certificate authority they sign with. Loaded and checked by interception.ts; the rules are explained there.',
    "match: one rule per known variant. on 'root' is the authority the path ends at; on 'issuer' the one that signed the server's certificate. Every attribute listed (CN, O, OU) must appear exactly once in that subject with exactly this value; caseInsensitive relaxes only letter case.",
    "confidence 'documented': the cited source shows these exact attribute values (a vendor page or a dump of the certificate). 'reported': the name is commonly reported but no cited source shows it exactly; the note says what the source does show.",
    "source: where the rule's name was seen. adviceSource: where the way to switch scanning off was seen. checked: the day both were looked up.",
  ],
  products: [
    {
      id: 'avast',
      product: 'Avast Web/Mail Shield',
      vendor: 'Avast (Gen Digital)',
      kind: 'antivirus',
      match: [
        {
          on: 'root',
          attributes: {
            CN: 'Avast Web/Mail Shield Root',
            O: 'Avast Web/Mail Shield',
          },
          confidence: 'documented',
          source: 'https://github.com/mscdex/node-imap/issues/741',
        },
        {
          on: 'root',
          attributes: {
            CN: 'Avast Web/Mail Shield Self-signed Root',
            O: 'Avast Web/Mail Shield',
          },
          confidence: 'documented',
          source: 'https://github.com/mscdex/node-imap/issues/741',
          note: "Signs Avast's copy of a server certificate that was not trusted in the first place; Avast does not add this one to the trust store.",
        },
        {
          on: 'root',
          attributes: {
            CN: 'avast! Web/Mail Shield Root',
          },
          confidence: 'reported',
          source:
            'http://lonecpluspluscoder.com/2015/06/14/avasts-virus-scanner-uses-a-self-issued-trusted-root-certificate',
          note: 'Older versions were branded "avast!"; the post shows the interception, its text does not spell out the root\'s name.',
        },
      ],
      mailScanning:
        'In Avast, open the Mail Shield settings and turn off the scan of secure mail, then check again. Or leave it on if you want Avast to read your mail on this computer.',
      adviceSource: 'https://github.com/PHPMailer/PHPMailer/issues/776',
      checked: '2026-12-03',
    },
    {
      id: 'avg',
      product: 'AVG Web/Mail Shield',
      vendor: 'AVG (Gen Digital)',
      kind: 'antivirus',
      match: [
        {
          on: 'root',
          attributes: {
            CN: 'AVG Web/Mail Shield Root',
          },
          confidence: 'reported',
          source: 'https://github.com/jstedfast/MailKit/pull/679',
          note: "The source reports AVG replacing mail server certificates, not the root's name; the name follows Avast's documented root (the same engine).",
        },
      ],
      mailScanning:
        'In AVG, open the Email Shield settings and turn off the scan of secure mail, then check again. Or leave it on if you want AVG to read your mail on this computer.',
      adviceSource: 'https://github.com/jstedfast/MailKit/pull/679',
      checked: '2026-12-03',
    },
    {
      id: 'norton',
      product: 'Norton Web/Mail Shield',
      vendor: 'Norton (Gen Digital)',
      kind: 'antivirus',
      match: [
        {
          on: 'root',
          attributes: {
            CN: 'Norton Web/Mail Shield Root',
          },
          confidence: 'reported',
          source: 'https://github.com/matlab/matlab-mcp-server/issues/100',
          note: "The source shows Norton's self-signed twin (next rule); this name follows it and Avast's documented root.",
        },
        {
          on: 'root',
          attributes: {
            CN: 'Norton Web/Mail Shield Self-signed Root',
            O: 'Norton Web/Mail Shield',
          },
          confidence: 'documented',
          source: 'https://github.com/matlab/matlab-mcp-server/issues/100',
          note: "Signs Norton's copy of a server certificate that was not trusted in the first place.",
        },
      ],
      mailScanning:
        'In Norton, open the settings and turn off the scan of secure web and mail traffic, then check again. Or leave it on if you want Norton to read your mail on this computer.',
      adviceSource: 'https://github.com/matlab/matlab-mcp-server/issues/100',
      checked: '2026-12-03',
    },
    {
      id: 'kaspersky',
      product: 'Kaspersky',
      vendor: 'Kaspersky',
      kind: 'antivirus',
      match: [
        {
          on: 'root',
          attributes: {
            CN: 'Kaspersky Anti-Virus Personal Root Certificate',
          },
          confidence: 'reported',
          source: 'https://support.kaspersky.com/help/Kaspersky/Win21.7/en-US/157530.htm',
          note: "The vendor page describes the scan of encrypted connections, not the root's name; the name is the one commonly reported by users.",
        },
        {
          on: 'root',
          attributes: {
            CN: 'Kaspersky Web Anti-Virus Certification Authority',
            O: 'AO Kaspersky Lab',
          },
          confidence: 'documented',
          source: 'https://github.com/keybase/client/issues/7228',
          note: 'An older root, seen in 2017.',
        },
      ],
      mailScanning:
        'In Kaspersky, open the settings for encrypted connections and choose not to scan them, then check again. Or leave it on if you want Kaspersky to read your mail on this computer.',
      adviceSource: 'https://support.kaspersky.com/help/Kaspersky/Win21.7/en-US/157530.htm',
      checked: '2026-12-03',
    },
    {
      id: 'eset',
      product: 'ESET',
      vendor: 'ESET',
      kind: 'antivirus',
      match: [
        {
          on: 'root',
          attributes: {
            CN: 'ESET SSL Filter CA',
          },
          confidence: 'documented',
          source: 'https://github.com/the-last-byte/ESET-NPM-Breakage-Fix',
          note: 'Matched on the name only: the Organization is written both "ESET, spol. s r. o." and "ESET, spol. s r.o.".',
        },
      ],
      mailScanning:
        'In ESET, open Advanced setup and turn off SSL/TLS filtering, or leave your mail app out of it, then check again. Or leave it on if you want ESET to read your mail on this computer.',
      adviceSource: 'http://help.eset.com/essp/10/en-US/idh_config_epfw_ssl.htm',
      checked: '2026-12-03',
    },
    {
      id: 'bitdefender',
      product: 'Bitdefender',
      vendor: 'Bitdefender',
      kind: 'antivirus',
      match: [
        {
          on: 'root',
          attributes: {
            CN: 'Bitdefender Personal CA.Net-Defender',
          },
          confidence: 'reported',
          source: 'https://github.com/SafeExamBrowser/seb-win/issues/62',
          note: "The source reports Bitdefender adding its own root and re-signing connections, not the root's name; the name is the one commonly reported.",
        },
      ],
      mailScanning:
        'In Bitdefender, open the protection settings and turn off the scan of encrypted web traffic and email, then check again. Or leave it on if you want Bitdefender to read your mail on this computer.',
      adviceSource: 'https://github.com/SafeExamBrowser/seb-win/issues/62',
      checked: '2026-12-03',
    },
    {
      id: 'fortigate',
      product: 'FortiGate',
      vendor: 'Fortinet',
      kind: 'firewall',
      match: [
        {
          on: 'root',
          attributes: {
            CN: 'FortiGate CA',
            O: 'Fortinet',
          },
          confidence: 'documented',
          source: 'https://github.com/rrrrrrri/fgt-gadgets/issues/15',
        },
        {
          on: 'root',
          attributes: {
            O: 'Fortinet',
            OU: 'Certificate Authority',
          },
          confidence: 'reported',
          source: 'https://github.com/centreon/centreon-plugins/pull/5473',
          note: "Newer firewalls name their inspection authority after the device's serial number; the source shows O=Fortinet with such a name, the OU is from the older documented root.",
        },
      ],
      mailScanning:
        'A FortiGate firewall on your network opens this traffic (SSL inspection). Ask the people who run it to leave your mail server out, or to confirm that this certificate is theirs.',
      adviceSource: 'https://docs.fortinet.com/document/fortiproxy/7.4.3/cli-reference/143620',
      checked: '2026-12-03',
    },
    {
      id: 'sonicwall',
      product: 'SonicWall DPI-SSL',
      vendor: 'SonicWall',
      kind: 'firewall',
      match: [
        {
          on: 'root',
          attributes: {
            CN: 'SonicWALL Firewall DPI-SSL',
          },
          caseInsensitive: true,
          confidence: 'reported',
          source:
            'https://www.sonicwall.com/support/knowledge-base/client-dpi-ssl-frequently-asked-questions-faq/170505782716496/',
          note: 'The vendor FAQ documents the default DPI-SSL authority and that it opens SMTPS, POP3S and IMAP, not its name; the name is the one seen in public scripts. Any letter case, as the brand is written both SonicWALL and SonicWall.',
        },
      ],
      mailScanning:
        'A SonicWall firewall on your network opens this traffic (DPI-SSL). Ask the people who run it to leave your mail server out, or to confirm that this certificate is theirs.',
      adviceSource:
        'https://www.sonicwall.com/support/knowledge-base/client-dpi-ssl-frequently-asked-questions-faq/170505782716496/',
      checked: '2026-12-03',
    },
    {
      id: 'zscaler',
      product: 'Zscaler',
      vendor: 'Zscaler',
      kind: 'proxy',
      match: [
        {
          on: 'root',
          attributes: {
            CN: 'Zscaler Root CA',
            O: 'Zscaler Inc.',
          },
          confidence: 'documented',
          source: 'https://github.com/sectigo/CTLogs/pull/57',
        },
      ],
      mailScanning:
        'Your employer uses Zscaler to look inside traffic (SSL inspection). Ask your IT team to leave your mail server out, or to confirm that this certificate is theirs.',
      adviceSource: 'https://www.pulumi.com/registry/packages/zia/api-docs/sslinspectionrule',
      checked: '2026-12-03',
    },
    {
      id: 'cisco-umbrella',
      product: 'Cisco Umbrella',
      vendor: 'Cisco',
      kind: 'proxy',
      match: [
        {
          on: 'root',
          attributes: {
            CN: 'Cisco Umbrella Root CA',
          },
          confidence: 'reported',
          source:
            'https://docs.umbrella.com/umbrella-user-guide/docs/add-customer-ca-signed-root-certificate',
          note: 'The vendor page names "the Cisco Umbrella root certificate" but not its exact subject. Its issuing authorities carry a per-site suffix ("Cisco Umbrella Secondary SubCA sea-SG", https://github.com/code-for-chapel-hill/NC-COVID-Support/issues/281), so they are not matched.',
        },
      ],
      mailScanning:
        'Your employer or network uses Cisco Umbrella to look inside traffic (HTTPS inspection). Ask your IT team to leave your mail server out, or to confirm that this certificate is theirs.',
      adviceSource:
        'https://docs.umbrella.com/umbrella-user-guide/docs/add-customer-ca-signed-root-certificate',
      checked: '2026-12-03',
    },
  ],
};
