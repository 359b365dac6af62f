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
