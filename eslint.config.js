import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import svelteConfig from './svelte.config.js';

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'test-results/', 'playwright-report/', '.bed/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'], svelteConfig },
    },
    rules: {
      // Server-supplied text is hostile: never render raw HTML.
      'svelte/no-at-html-tags': 'error',
    },
  },
  {
    // core is pure Node, used by the app, the CLI and the tests: no Electron, nothing above it.
    files: ['app/core/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'app/core never imports electron.' },
            {
              group: [
                '**/main/**',
                '**/preload/**',
                '**/cli/**',
                '**/renderer/**',
                '**/contract/**',
              ],
              message: 'app/core imports nothing of ours above it.',
            },
          ],
        },
      ],
    },
  },
  {
    // Measuring never judges: protocols, tls, cert, net know nothing of findings or wording.
    // (Repeats core's patterns: a later block's rule replaces an earlier one for these files.)
    files: ['app/core/net/**', 'app/core/protocols/**', 'app/core/tls/**', 'app/core/cert/**'],
    ignores: ['**/*.test.ts'], // tests may check measuring and judging together
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'app/core never imports electron.' },
            {
              group: [
                '**/main/**',
                '**/preload/**',
                '**/cli/**',
                '**/renderer/**',
                '**/contract/**',
              ],
              message: 'app/core imports nothing of ours above it.',
            },
            {
              group: ['**/findings', '**/findings/**', '**/explain', '**/explain/**'],
              message: 'measuring code knows nothing of findings or wording (design.md).',
            },
          ],
        },
      ],
    },
  },
  {
    // The contract is shared by both sides and imports neither.
    files: ['app/contract/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'node:*'], message: 'the contract is plain data and schemas.' },
            {
              group: ['**/core/**', '**/main/**', '**/preload/**', '**/cli/**', '**/renderer/**'],
              message: 'the contract imports neither side.',
            },
          ],
        },
      ],
    },
  },
  {
    // The renderer talks to the app only through window.sealcheck.
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'node:*'], message: 'the renderer has no Node and no Electron.' },
            {
              group: ['**/app/core/**', '**/app/main/**', '**/app/preload/**', '**/app/cli/**'],
              message: 'the renderer may import only types from app/contract.',
            },
            {
              group: ['**/app/contract', '**/app/contract/**'],
              allowTypeImports: true,
              message: 'import only types from the contract (import type …).',
            },
          ],
        },
      ],
    },
  },
);
