// Lint rules, including the layer rule: core imports no engine, queue or isolate
// library and nothing from the layers above it; sandboxes and tools import only core.
import js from '@eslint/js';
import nodePlugin from 'eslint-plugin-n';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const infrastructurePackages = ['dockerode', 'bullmq', 'ioredis', 'isolated-vm', 'piscina'];

const restrictImports = (patterns) => ({
  'no-restricted-imports': ['error', { patterns }],
});

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      '.tools/**',
      '.readme-snippet-*',
      '.build-test-*/**',
      'images/**/rootfs/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { n: nodePlugin },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      'n/prefer-node-protocol': 'error',
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.object.name='JSON'][callee.property.name='parse']",
          message: 'Parse JSON through core/internal/json.ts (parseJson / safeParseJson).',
        },
        { selector: 'TSEnumDeclaration', message: 'Use `as const` objects instead of enums.' },
      ],
    },
  },
  {
    // The dashboard's browser code: DOM globals; it parses the API's own answers.
    files: ['workers/dashboard/app/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['core/**/*.ts'],
    rules: restrictImports([
      {
        group: infrastructurePackages,
        message: 'core holds no Docker, Redis, queue or isolate code.',
      },
      {
        group: ['**/sandboxes/**', '**/tools/**', '**/workers/**'],
        message: 'core must not import from the layers above it.',
      },
    ]),
  },
  {
    files: ['sandboxes/**/*.ts'],
    rules: restrictImports([
      { group: ['**/tools/**', '**/workers/**'], message: 'sandboxes build on core only.' },
      { group: ['bullmq', 'ioredis'], message: 'Queues belong to workers.' },
    ]),
  },
  {
    files: ['tools/**/*.ts'],
    rules: restrictImports([
      {
        group: ['**/sandboxes/**', '**/workers/**'],
        message: 'tools build on core only; take a SandboxProvider in options.',
      },
      { group: infrastructurePackages, message: 'tools hold no infrastructure code.' },
    ]),
  },
  {
    files: ['core/internal/json.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
