/**
 * The Parquet schema as a tree with definition/repetition levels, mapped to
 * Arrow shapes: LIST (3-level, legacy 2-level, bare repeated fields), MAP
 * and STRUCT; projection by top-level name or dotted path.
 * @module
 */
import type { SchemaElement } from "hyparquet";
import { ParquetCorrupt } from "./_parquet_pages.ts";

/** A schema node with its levels. */
export interface SchemaNode {
  el: SchemaElement;
  name: string;
  /** Names from the top-level column down to this node. */
  path: string[];
  children: SchemaNode[];
  /** Definition level at which this node is present (non-REQUIRED ancestors and itself). */
  def: number;
  /** Repetition level of this node (REPEATED ancestors and itself). */
  rep: number;
  /** Leaf only: the column chunk index in each row group. */
  column: number;
}

/** How a schema node becomes an Arrow column. */
export type Shape =
  | { kind: "leaf"; node: SchemaNode; nullable: boolean }
  | { kind: "struct"; node: SchemaNode; nullable: boolean; children: Shape[] }
  | {
    kind: "list" | "map";
    node: SchemaNode;
    nullable: boolean;
    /** The REPEATED node whose instances are the list's elements. */
    repeated: SchemaNode;
    /** The element (for maps: a struct of key and value). */
    element: Shape;
  };

/** Builds the schema tree (checking child counts and duplicate names). */
export function schemaTree(schema: SchemaElement[]): SchemaNode[] {
  let pos = 1;
  let column = 0;
  const build = (parent: SchemaNode | null): SchemaNode => {
    const el = schema[pos++];
    if (!el) throw new ParquetCorrupt("the schema ends before its declared children");
    const r = el.repetition_type;
    const node: SchemaNode = {
      el,
      name: el.name,
      path: parent ? [...parent.path, el.name] : [el.name],
      children: [],
      def: (parent?.def ?? 0) + (r === "REQUIRED" || r === undefined ? 0 : 1),
      rep: (parent?.rep ?? 0) + (r === "REPEATED" ? 1 : 0),
      column: -1,
    };
    const n = el.num_children ?? 0;
    if (n > 0) {
      for (let i = 0; i < n; i++) node.children.push(build(node));
      checkUnique(node.children, node.path.join("."));
    } else {
      if (!el.type) throw new ParquetCorrupt(`schema leaf "${node.path.join(".")}" has no type`);
      node.column = column++;
    }
    if (node.def > 255 || node.rep > 255) {
      throw new ParquetCorrupt(`schema nesting of "${node.path.join(".")}" is too deep`);
    }
    return node;
  };
  const root = schema[0];
  if (!root) throw new ParquetCorrupt("the schema is empty");
  const top: SchemaNode[] = [];
  const count = root.num_children ?? 0;
  for (let i = 0; i < count; i++) top.push(build(null));
  if (pos !== schema.length) {
    throw new ParquetCorrupt(`the schema has ${schema.length - pos} elements outside its tree`);
  }
  checkUnique(top, "the file");
  return top;
}

function checkUnique(nodes: SchemaNode[], where: string): void {
  const seen = new Set<string>();
  for (const n of nodes) {
    if (seen.has(n.name)) {
      throw new ParquetCorrupt(`the schema names "${n.name}" twice in ${where}`);
    }
    seen.add(n.name);
  }
}

/** All leaves under a node (in column order). */
export function leavesOf(node: SchemaNode): SchemaNode[] {
  return node.children.length === 0 ? [node] : node.children.flatMap(leavesOf);
}

const isList = (el: SchemaElement) =>
  el.converted_type === "LIST" || el.logical_type?.type === "LIST";
const isMap = (el: SchemaElement) =>
  el.converted_type === "MAP" || el.converted_type === "MAP_KEY_VALUE" ||
  el.logical_type?.type === "MAP";

/**
 * The Arrow shape of a node. `asElement`: the node is a REPEATED node seen as
 * one element of its list (its repetition already accounted for).
 */
export function shapeOf(node: SchemaNode, asElement = false): Shape {
  const el = node.el;
  if (el.repetition_type === "REPEATED" && !asElement) {
    // A bare repeated field: a required list of required elements.
    return { kind: "list", node, nullable: false, repeated: node, element: shapeOf(node, true) };
  }
  const nullable = !asElement && el.repetition_type === "OPTIONAL";
  if (node.children.length === 0) return { kind: "leaf", node, nullable };
  if (
    isList(el) && node.children.length === 1 && node.children[0].el.repetition_type === "REPEATED"
  ) {
    const r = node.children[0];
    // Backward-compatibility rules of the Parquet LogicalTypes spec.
    const legacy = r.children.length !== 1 || r.name === "array" || r.name === `${node.name}_tuple`;
    const element = r.children.length === 0 || legacy ? shapeOf(r, true) : shapeOf(r.children[0]);
    return { kind: "list", node, nullable, repeated: r, element };
  }
  if (
    isMap(el) && node.children.length === 1 &&
    node.children[0].el.repetition_type === "REPEATED" && node.children[0].children.length === 2
  ) {
    const r = node.children[0];
    return { kind: "map", node, nullable, repeated: r, element: shapeOf(r, true) };
  }
  return { kind: "struct", node, nullable, children: node.children.map((c) => shapeOf(c)) };
}

/** Leaves a shape reads. */
export function shapeLeaves(s: Shape): SchemaNode[] {
  if (s.kind === "leaf") return [s.node];
  if (s.kind === "struct") return s.children.flatMap(shapeLeaves);
  return shapeLeaves(s.element);
}

/**
 * Prunes a top-level shape to the given dotted sub-paths (relative to it);
 * an empty list keeps everything. Only struct children are pruned (a list or
 * map is read whole).
 */
export function pruneShape(s: Shape, paths: string[][]): Shape {
  if (paths.length === 0 || paths.some((p) => p.length === 0)) return s;
  if (s.kind !== "struct") return s;
  const children: Shape[] = [];
  for (const c of s.children) {
    const sub = paths.filter((p) => p[0] === c.node.name).map((p) => p.slice(1));
    if (sub.length > 0) children.push(pruneShape(c, sub));
  }
  return { ...s, children };
}
