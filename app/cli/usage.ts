/** The help text. Lists only commands that exist. */
export const USAGE = `sealcheck: checks whether your mail and chat connections are really encrypted.

Usage:
  sealcheck <command> [options]

Commands:
  self-check        Check this installation: the TLS library, the trusted root
                    certificates and the system keychain.
  version           Print the version (same as --version).
  help              Print this help (same as --help).

Options:
  -h, --help        Print this help.
  -V, --version     Print the version.
      --json        self-check: print the report as JSON on stdout.

Exit codes:
  0   checked, nothing needs attention
  1   checked, problems found
  2   could not check
  64  usage error (unknown command or option)
  70  internal error (a bug in Sealcheck)

Results go to stdout, diagnostics to stderr.
`;

export const USAGE_HINT = "Run 'sealcheck --help' for usage.";
