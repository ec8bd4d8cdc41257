// ESLint for the extension and its unit tests (`make extension-test`). Every rule turned off or
// relaxed says why beside it.
import js from '@eslint/js';
import globals from 'globals';

export default [
  {
    ignores: [
      '.venv/**',
      'node_modules/**',
      'build/**',
      'dist/**',
      'test-artifacts/**',
      'bench/**',
      'agent/**',
      'native_host/**',
      'tests/**/*.py',
      '.demo/**',
    ],
  },
  js.configs.recommended,
  {
    files: ['extension/**/*.js'],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.browser, ...globals.webextensions, ...globals.serviceworker },
    },
    rules: {
      eqeqeq: ['error', 'always'],
      'no-var': 'error',
      'prefer-const': 'error',
      'no-implicit-globals': 'error',
      'no-shadow': 'error',
      'no-unused-vars': [
        'error',
        { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none' },
      ], // caughtErrors: a `catch {}` that translates an error names nothing; one that names it may not use it
      'no-console': ['error', { allow: ['warn', 'error', 'info'] }],
      'no-restricted-properties': [
        'error',
        {
          property: 'innerHTML',
          message: 'Build nodes with lib/elements.js: badge data is text, never markup.',
        },
        { property: 'outerHTML', message: 'Build nodes with lib/elements.js.' },
      ],
      'no-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: ['extension/content/loader.js'],
    languageOptions: { sourceType: 'script' }, // a content script cannot be a module; it imports the modules
  },
  {
    files: ['tests/extension/**/*.mjs', 'eslint.config.js', 'extension/tools/**/*.mjs'],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
  },
];
