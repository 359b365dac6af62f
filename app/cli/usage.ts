/** The help text. Lists only commands that exist. */
export const USAGE = `sealcheck: checks whether your mail and chat connections are really encrypted.

Usage:
  sealcheck <command> [options]
  sealcheck check HOST... [--protocol P [--port N] [--tls MODE]] [options]
  sealcheck check --input FILE [--per-host N] [--jsonl] [--progress] [options]
  sealcheck domain DOMAIN... [--resolver IP[:PORT]] [options]
  sealcheck report FILE [--json | --markdown] [--ca-file FILE]
  sealcheck compare FIRST SECOND [--json] [--ca-file FILE]

Commands:
  check HOST...     Connect to the host's mail and chat servers, say in plain
                    words whether the connection is really encrypted and the
                    server proved who it is, what to do and who can fix it,
                    with the technical details. Without --protocol,
                    tries every standard port: imap 993 and 143, pop3 995 and
                    110, submission 465 and 587, smtp 25, xmpp 5223 and 5222
                    (a refused port counts as not served).
  domain DOMAIN...  How mail sent TO the domain is protected between mail
                    servers: each mail server (MX) on port 25 with STARTTLS,
                    the MTA-STS rule, TLS-RPT reports and DANE records (with
                    DNSSEC). An address (me@example.org) means its domain.
  report FILE       Show a saved report (the app's .sealcheck file, as a help
                    desk receives it): the facts in it judged again by this
                    Sealcheck, as of the date of the check, in its own words;
                    the words saved in the file are never shown. A file that
                    is not a report (or is too large, over 16 MB) is refused.
  compare FIRST SECOND
                    Two saved reports of the same servers side by side (yours
                    and the help desk's, home and office): the same
                    certificate, chain and encryption, or what differs; a
                    certificate only one side trusts proves re-encryption on
                    that side. Exit 0 when all is the same, 1 when not.
  self-check        Check this installation: the TLS library, the trusted root
                    certificates and the system keychain.
  version           Print the version (same as --version).
  help              Print this help (same as --help).

Options:
  -h, --help        Print this help.
  -V, --version     Print the version.
      --json        check, report, self-check: print the result as JSON on
                    stdout (check, report: facts, findings and verdict per
                    endpoint).

Options of check:
      --markdown            Print a summary in Markdown, ready to paste into a
                            help-desk ticket.
      --protocol P          imap, pop3, submission, smtp or xmpp (one endpoint).
      --port N              The port (default: the protocol's standard port).
      --tls MODE            implicit, starttls or none (default: implicit where
                            the protocol has a port for it, else starttls).
      --ca-file FILE        Also trust the CA certificates in this PEM file (a
                            company CA, a test bed). Repeatable.
      --connect-to H:P:A:Q  Connect to A:Q instead of H:P, still using the name H
                            for SNI, the certificate check and XMPP (curl syntax;
                            empty fields match any). Repeatable.
      --xmpp-domain DOMAIN  The XMPP domain when it differs from the host.
      --timeout SECONDS     Deadline for each endpoint's whole probe (default 30).
      --concurrency N       Endpoints checked at once (default 8).
      --no-injection-test   Skip the STARTTLS command-injection test (it opens a
                            second connection; it never sends a password).
      --detailed            List every cipher suite the server accepts, per
                            version (more connections; by default a handful of
                            connections answer versions, weak suites and
                            forward secrecy).
      --no-scan             Skip the scan of accepted versions and suites (only
                            the connection your app would make is checked).
      --fingerprint FP      A certificate fingerprint copied from your mail app's
                            warning (SHA-256 or SHA-1, colons optional): says
                            whether it is this server's certificate, another in
                            its chain, or a different one, and what that means.
      --mask-address ADDR   With --markdown: replace ADDR (e.g. your own IP
                            address) by "[your address]". Repeatable.
      --input FILE          Also check the endpoints listed in FILE: CSV with a
                            header line, a JSON array of objects, or JSON lines,
                            with the columns host and optionally protocol, port,
                            tls and xmpp-domain (as the options; a row without
                            protocol means every standard port). '-' reads
                            stdin. Every row is checked before anything runs;
                            at most 100000 rows and 64 MiB.
      --input-format F      csv or json (default: from the file name; needed
                            for stdin).
      --per-host N          Probes of one host (one address, or one name that
                            does not resolve) at once (default 2 with --input,
                            else up to --concurrency).
      --jsonl               Print one JSON line per endpoint as soon as it is
                            checked (the --json object, with "status" and the
                            input line), in the order they finish.
      --progress            Progress lines on stderr ([12/500] host:port
                            protocol verdict); by default only with --input
                            and when stderr is a terminal.

Options of domain (and --json, --markdown, --ca-file, --connect-to, --timeout,
--no-scan as for check):
      --resolver IP[:PORT]  Ask this DNS server (default: the system's). Its
                            DNSSEC answers count: choose one that checks
                            signatures, e.g. a local unbound. Repeatable.
      --smtp-port N         Port of the mail servers (default 25; test beds).
      --https-port N        Port of the MTA-STS web server (default 443; test
                            beds).
  Many networks block outgoing port 25: run it from a server or another
  network when every mail server times out.

Options of report: --json, --markdown and --ca-file, as for check (--ca-file
trusts a company's own authority that the saved check trusted).

Exit codes:
  0   checked, nothing needs attention (check: no finding of severity
      warning or critical; findings for information only do not count)
  1   checked, problems found (check: a warning or critical finding, or an
      endpoint not encrypted and verified; domain: a warning or critical
      finding, e.g. nothing forbids falling back to plain text)
  2   could not check (check: any endpoint whose check did not finish, a
      port named with --protocol that is not served, or a host with none of
      its standard ports served; domain: no mail server could be checked,
      e.g. port 25 blocked on this network; report: as check and domain,
      for the facts in the file)
  64  usage error (unknown command or option, or a file that is not what it
      should be: a report, an --input list, a --ca-file)
  70  internal error (a bug in Sealcheck)
  When several apply, the first of 64, 2, 1, 0 wins: 2 outranks 1, so a 1
  means every endpoint was checked.

Results go to stdout, diagnostics to stderr.
`;

export const USAGE_HINT = "Run 'sealcheck --help' for usage.";

/** A malformed command line: the message goes to stderr with USAGE_HINT, and the exit code is 64. */
export class UsageError extends Error {}
