// A cell may `await` at its top level, as in Node's REPL or a notebook. V8 only allows that in
// modules, and a module has no completion value and keeps no bindings between cells. So such a
// cell is rewritten: its body runs in an async function whose promise is the script's value,
// its last expression becomes the return value, and its top-level declarations become global
// `var`s (a `const` is then reassignable across cells: the one difference, documented).
import type { Node, Pattern, Program, Statement } from 'acorn';
import { parse } from 'acorn';

function parsesAsScript(code: string): boolean {
  try {
    parse(code, { ecmaVersion: 'latest', sourceType: 'script' });
    return true;
  } catch {
    return false;
  }
}

function patternNames(pattern: Pattern, names: string[]): void {
  switch (pattern.type) {
    case 'Identifier':
      names.push(pattern.name);
      break;
    case 'ObjectPattern':
      for (const property of pattern.properties) {
        patternNames(property.type === 'RestElement' ? property.argument : property.value, names);
      }
      break;
    case 'ArrayPattern':
      for (const element of pattern.elements) if (element) patternNames(element, names);
      break;
    case 'RestElement':
      patternNames(pattern.argument, names);
      break;
    case 'AssignmentPattern':
      patternNames(pattern.left, names);
      break;
    default:
      break;
  }
}

/**
 * Returns `code` unchanged when it is a plain script (or has a syntax error: V8 reports it
 * better); otherwise the rewrite described above.
 */
export function rewriteTopLevelAwait(code: string): string {
  if (!code.includes('await') || parsesAsScript(code)) return code;
  let program: Program;
  try {
    program = parse(code, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      allowAwaitOutsideFunction: true,
    });
  } catch {
    return code;
  }
  const text = (node: Node): string => code.slice(node.start, node.end);
  const hoisted: string[] = [];
  const functions: string[] = [];
  const body: string[] = [];
  const statements: Statement[] = program.body.filter(
    (statement): statement is Statement => statement.type !== 'ImportDeclaration',
  );
  statements.forEach((statement, index) => {
    const last = index === statements.length - 1;
    if (statement.type === 'VariableDeclaration') {
      const assignments: string[] = [];
      for (const declarator of statement.declarations) {
        patternNames(declarator.id, hoisted);
        if (declarator.init) {
          assignments.push(`(${text(declarator.id)} = ${text(declarator.init)})`);
        }
      }
      if (assignments.length > 0) body.push(`void (${assignments.join(', ')});`);
    } else if (statement.type === 'FunctionDeclaration') {
      // Hoisted whole, as a declaration would be: callable from anywhere in the cell.
      functions.push(text(statement));
    } else if (statement.type === 'ClassDeclaration' && statement.id) {
      hoisted.push(statement.id.name);
      body.push(`${statement.id.name} = ${text(statement)};`);
    } else if (last && statement.type === 'ExpressionStatement') {
      body.push(`return (${text(statement.expression)});`);
    } else {
      body.push(text(statement));
    }
  });
  const declarations = hoisted.length > 0 ? `var ${[...new Set(hoisted)].join(', ')};\n` : '';
  return `${declarations}${functions.join('\n')}\n(async () => {\n${body.join('\n')}\n})();`;
}
