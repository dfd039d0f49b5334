package queries

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sqlMethods are the database/sql (and driver connection) methods that run
// SQL text, with the position of the text among their arguments. A call is
// checked when the method, resolved by go/types, has a string parameter at
// that position: on *sql.DB, *sql.Tx, *sql.Conn, the DuckDB Arrow handle, or
// an interface of the module's own.
var sqlMethods = map[string]int{
	"Exec": 0, "Query": 0, "QueryRow": 0, "Prepare": 0,
	"ExecContext": 1, "QueryContext": 1, "QueryRowContext": 1, "PrepareContext": 1,
}

// goPackage is one package of the module as `go list` describes it.
type goPackage struct {
	ImportPath string
	Dir        string
	Export     string
	GoFiles    []string
	Standard   bool
	Module     *struct{ Path string }
}

// checked is a type-checked package of the module.
type checked struct {
	path  string
	files []*ast.File
	info  *types.Info
}

// loadModule type-checks every non-test package of the module from source,
// its imports from the compiler's export data (`go list -export`).
func loadModule(t *testing.T, fset *token.FileSet) (mods []checked, lookup func(string) (io.ReadCloser, error)) {
	t.Helper()
	cmd := exec.Command("go", "list", "-export", "-deps", "-json", "./...")
	cmd.Dir = ".."
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	export := map[string]string{}
	var own []goPackage
	modPath := ""
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		var p goPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		export[p.ImportPath] = p.Export
		if p.ImportPath == "github.com/oncall-health/oncall-health/queries" {
			modPath = p.Module.Path
		}
		if !p.Standard && p.Module != nil && strings.HasPrefix(p.ImportPath, "github.com/oncall-health/oncall-health") {
			own = append(own, p)
		}
	}
	if modPath == "" {
		t.Fatal("go list did not list the queries package")
	}
	lookup = func(path string) (io.ReadCloser, error) {
		f, ok := export[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	}
	for _, p := range own {
		c := checked{path: p.ImportPath}
		for _, name := range p.GoFiles {
			f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			c.files = append(c.files, f)
		}
		c.info = newInfo()
		conf := types.Config{Importer: importer.ForCompiler(fset, "gc", lookup)}
		if _, err := conf.Check(p.ImportPath, fset, c.files, c.info); err != nil {
			t.Fatalf("type-check %s: %v", p.ImportPath, err)
		}
		mods = append(mods, c)
	}
	return mods, lookup
}

func newInfo() *types.Info {
	return &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
}

// TestNoSQLFromStrings type-checks every non-test package of the module and
// checks that each SQL text handed to Exec/Query/Prepare is fixed when the
// program is built: never text made at run time, so no input can become
// SQL. Values travel as $n parameters. Trust goes to values, not names; see
// sqlChecker.trusted for what counts.
func TestNoSQLFromStrings(t *testing.T) {
	fset := token.NewFileSet()
	mods, _ := loadModule(t, fset)
	c := newSQLChecker(fset, mods)
	bad, calls := c.check()
	for _, b := range bad {
		t.Errorf("%s; put the statement in a .sql file and load it with queries.Get", b)
	}
	// Control: the walk found the module's code and its SQL calls.
	if len(mods) < 6 || calls < 10 {
		t.Fatalf("checked %d packages and %d SQL calls; the walk missed the code", len(mods), calls)
	}
	t.Logf("%d packages, %d SQL calls checked", len(mods), calls)
}

// TestSQLCheckerCatches runs the checker on small programs that build SQL
// at run time in the ways a name-based check let through: the checker must
// flag each, and pass the safe forms.
func TestSQLCheckerCatches(t *testing.T) {
	const head = `package p
import (
	"context"
	"database/sql"
	"fmt"
	"github.com/oncall-health/oncall-health/queries"
)
var _ = fmt.Sprintf
var _ = queries.Get
`
	tests := []struct {
		name string
		src  string
		bad  int
	}{
		{"constant and Get", `const q = "SELECT 1"
func f(ctx context.Context, db *sql.DB) { db.ExecContext(ctx, q); db.ExecContext(ctx, "SELECT " + "2"); db.ExecContext(ctx, queries.Get("x")) }`, 0},
		{"Sprintf into a variable named query", `func f(ctx context.Context, db *sql.DB, t string) { query := fmt.Sprintf("SELECT * FROM %s", t); db.QueryContext(ctx, query) }`, 1},
		{"Sprintf over a trusted parameter", `func run(ctx context.Context, db *sql.DB, query string) { query = fmt.Sprintf("%s LIMIT 1", query); db.QueryContext(ctx, query) }
func g(ctx context.Context, db *sql.DB) { run(ctx, db, queries.Get("x")) }`, 1},
		{"parameter filled by Get", `func run(ctx context.Context, db *sql.DB, query string) { db.QueryContext(ctx, query) }
func g(ctx context.Context, db *sql.DB) { run(ctx, db, queries.Get("x")) }`, 0},
		{"parameter filled by Get and by input", `func run(ctx context.Context, db *sql.DB, query string) { db.QueryContext(ctx, query) }
func g(ctx context.Context, db *sql.DB, in string) { run(ctx, db, queries.Get("x")); run(ctx, db, in) }`, 1},
		{"a function of our own called Get", `func Get(s string) string { return s }
func f(ctx context.Context, db *sql.DB, in string) { db.ExecContext(ctx, Get(in)) }`, 1},
		{"Get concatenated with input", `func f(ctx context.Context, db *sql.DB, in string) { db.ExecContext(ctx, queries.Get("x") + in) }`, 1},
		{"a field set from input", `type m struct{ sql string }
func f(ctx context.Context, db *sql.DB, in string) { x := m{sql: in}; db.ExecContext(ctx, x.sql) }`, 1},
		{"a function passed as a value", `func run(ctx context.Context, db *sql.DB, query string) { db.QueryContext(ctx, query) }
var hook = run`, 1},
	}
	fset := token.NewFileSet()
	_, lookup := loadModule(t, fset)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parser.ParseFile(fset, "p.go", head+tt.src, 0)
			if err != nil {
				t.Fatal(err)
			}
			info := newInfo()
			conf := types.Config{Importer: importer.ForCompiler(fset, "gc", lookup)}
			if _, err := conf.Check("example.com/p", fset, []*ast.File{f}, info); err != nil {
				t.Fatal(err)
			}
			bad, calls := newSQLChecker(fset, []checked{{path: "example.com/p", files: []*ast.File{f}, info: info}}).check()
			if len(bad) != tt.bad || calls == 0 {
				t.Errorf("%d SQL calls, %d flagged %q, want %d flagged", calls, len(bad), bad, tt.bad)
			}
		})
	}
}

// sqlChecker holds what the trust rules need to know about the whole
// module: every assignment to a variable or field, every call of a function.
type sqlChecker struct {
	fset *token.FileSet
	mods []checked
	// writes: for each local variable and parameter, the values assigned
	// to it; for each struct field (by fieldKey), the values stored in it.
	writes map[types.Object][]valueAt
	fields map[string][]valueAt
	// calls: for each function (by funcKey), the argument lists of its
	// static calls; escapes: functions used other than by calling them.
	calls   map[string][][]valueAt
	escapes map[string]bool
	// params: for each parameter, its function's key and position.
	params map[types.Object]paramAt
	// busy guards against cycles (a variable assigned from itself).
	busy map[any]bool
}

// valueAt is an expression with the type information of its package.
type valueAt struct {
	e    ast.Expr
	info *types.Info
}

type paramAt struct {
	fn    string
	index int
}

func newSQLChecker(fset *token.FileSet, mods []checked) *sqlChecker {
	c := &sqlChecker{fset: fset, mods: mods, writes: map[types.Object][]valueAt{}, fields: map[string][]valueAt{},
		calls: map[string][][]valueAt{}, escapes: map[string]bool{}, params: map[types.Object]paramAt{}, busy: map[any]bool{}}
	for _, m := range mods {
		info := m.info
		for _, f := range m.files {
			calledIdents := map[*ast.Ident]bool{}
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.FuncDecl:
					fn, _ := info.Defs[x.Name].(*types.Func)
					if fn == nil {
						return true
					}
					sig := fn.Type().(*types.Signature)
					for i := 0; i < sig.Params().Len(); i++ {
						c.params[sig.Params().At(i)] = paramAt{funcKey(fn), i}
					}
				case *ast.AssignStmt:
					for i, lhs := range x.Lhs {
						var rhs ast.Expr
						if len(x.Lhs) == len(x.Rhs) {
							rhs = x.Rhs[i]
						} else if i == 0 {
							// b, err := f(): b is the call's first result
							// (trusted() and embedded() judge calls by it).
							rhs = x.Rhs[0]
						} // the other results stay nil, untrusted
						if x.Tok != token.ASSIGN && x.Tok != token.DEFINE && rhs != nil {
							// s += t: the new value is s + t.
							rhs = &ast.BinaryExpr{X: lhs, Op: token.ADD, Y: rhs}
						}
						c.write(info, lhs, rhs)
					}
				case *ast.ValueSpec:
					for i, name := range x.Names {
						var rhs ast.Expr
						if len(x.Values) == len(x.Names) {
							rhs = x.Values[i]
						}
						if len(x.Values) == 0 {
							rhs = &ast.BasicLit{Kind: token.STRING, Value: `""`} // the zero value
						}
						if obj := info.Defs[name]; obj != nil {
							c.writes[obj] = append(c.writes[obj], valueAt{rhs, info})
						}
					}
				case *ast.RangeStmt:
					for _, e := range []ast.Expr{x.Key, x.Value} {
						if e != nil {
							c.write(info, e, nil)
						}
					}
				case *ast.CompositeLit:
					if st, key := structOf(info.Types[x].Type); st != nil {
						for i, el := range x.Elts {
							if kv, ok := el.(*ast.KeyValueExpr); ok {
								name := kv.Key.(*ast.Ident).Name
								c.fields[key+"."+name] = append(c.fields[key+"."+name], valueAt{kv.Value, info})
							} else if i < st.NumFields() {
								c.fields[key+"."+st.Field(i).Name()] = append(c.fields[key+"."+st.Field(i).Name()], valueAt{el, info})
							}
						}
					}
				case *ast.CallExpr:
					fun := ast.Unparen(x.Fun)
					id, _ := fun.(*ast.Ident)
					if sel, ok := fun.(*ast.SelectorExpr); ok {
						id = sel.Sel
					}
					if id == nil {
						return true
					}
					calledIdents[id] = true
					if fn, ok := info.Uses[id].(*types.Func); ok {
						args := make([]valueAt, len(x.Args))
						for i, a := range x.Args {
							args[i] = valueAt{a, info}
						}
						if x.Ellipsis.IsValid() {
							c.escapes[funcKey(fn)] = true
						}
						c.calls[funcKey(fn)] = append(c.calls[funcKey(fn)], args)
					}
				case *ast.UnaryExpr:
					if x.Op == token.AND {
						// &v: v may be written through the pointer.
						c.write(info, x.X, nil)
					}
				}
				return true
			})
			// A function named other than as the callee of a call escapes:
			// it may be called with anything.
			ast.Inspect(f, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && !calledIdents[id] {
					if fn, ok := info.Uses[id].(*types.Func); ok {
						c.escapes[funcKey(fn)] = true
					}
				}
				return true
			})
		}
	}
	return c
}

// write records that lhs is given the value rhs (nil: a value the checker
// cannot see, never trusted).
func (c *sqlChecker) write(info *types.Info, lhs, rhs ast.Expr) {
	switch l := ast.Unparen(lhs).(type) {
	case *ast.Ident:
		obj := info.Defs[l]
		if obj == nil {
			obj = info.Uses[l]
		}
		if obj != nil {
			c.writes[obj] = append(c.writes[obj], valueAt{rhs, info})
		}
	case *ast.SelectorExpr:
		if s := info.Selections[l]; s != nil && s.Kind() == types.FieldVal {
			if key := fieldKey(s); key != "" {
				c.fields[key] = append(c.fields[key], valueAt{rhs, info})
			}
		}
	}
}

// check returns a message for every SQL call whose text is not trusted,
// and the number of SQL calls seen.
func (c *sqlChecker) check() (bad []string, calls int) {
	for _, m := range c.mods {
		for _, f := range m.files {
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
				if !ok {
					return true
				}
				i, ok := sqlMethods[sel.Sel.Name]
				if !ok || len(call.Args) <= i {
					return true
				}
				s := m.info.Selections[sel]
				if s == nil || s.Kind() != types.MethodVal {
					return true
				}
				sig := s.Obj().Type().(*types.Signature)
				if sig.Params().Len() <= i || !types.Identical(sig.Params().At(i).Type(), types.Typ[types.String]) {
					return true
				}
				calls++
				if !c.trusted(valueAt{call.Args[i], m.info}) {
					bad = append(bad, fmt.Sprintf("%s: %s(...) runs SQL made at run time: %s",
						c.fset.Position(call.Pos()), sel.Sel.Name, types.ExprString(call.Args[i])))
				}
				return true
			})
		}
	}
	return bad, calls
}

// trusted reports whether v is SQL text fixed when the program is built:
//   - a constant expression (literals, constants, their concatenation);
//   - a call of queries.Get, resolved by go/types (Get only returns
//     statements embedded from the .sql files; it panics on an unknown name);
//   - string(b) where b is read from an embedded file system (embed.FS);
//   - the concatenation of trusted values;
//   - a local variable every assignment of which is trusted;
//   - a parameter of a function that never escapes, every call of which
//     passes a trusted value there and whose body assigns it only trusted
//     values;
//   - a struct field every store into which, anywhere in the module, is
//     trusted.
//
// Anything else, including any other call, is not.
func (c *sqlChecker) trusted(v valueAt) bool {
	if v.e == nil {
		return false
	}
	info := v.info
	if tv, ok := info.Types[v.e]; ok && tv.Value != nil {
		return tv.Value.Kind() == constant.String
	}
	switch x := v.e.(type) {
	case *ast.BasicLit:
		return x.Kind == token.STRING
	case *ast.ParenExpr:
		return c.trusted(valueAt{x.X, info})
	case *ast.BinaryExpr:
		return x.Op == token.ADD && c.trusted(valueAt{x.X, info}) && c.trusted(valueAt{x.Y, info})
	case *ast.CallExpr:
		if tv := info.Types[x.Fun]; tv.IsType() {
			// A conversion: string(b) of bytes read from an embed.FS.
			return len(x.Args) == 1 && c.embedded(valueAt{x.Args[0], info})
		}
		fn := calledFunc(info, x)
		return fn != nil && fn.Pkg() != nil && fn.Pkg().Path() == "github.com/oncall-health/oncall-health/queries" &&
			fn.Name() == "Get" && fn.Type().(*types.Signature).Recv() == nil
	case *ast.Ident:
		obj, ok := info.Uses[x].(*types.Var)
		if !ok {
			return false
		}
		return c.trustedVar(obj, c.trusted)
	case *ast.SelectorExpr:
		s := info.Selections[x]
		if s == nil || s.Kind() != types.FieldVal {
			return false
		}
		key := fieldKey(s)
		if key == "" || c.busy[key] {
			return false
		}
		c.busy[key] = true
		defer delete(c.busy, key)
		stores := c.fields[key]
		for _, st := range stores {
			if !c.trusted(st) {
				return false
			}
		}
		return len(stores) > 0
	}
	return false
}

// trustedVar applies ok to every value obj (a local variable or parameter,
// never a package-level variable) may hold.
func (c *sqlChecker) trustedVar(obj *types.Var, ok func(valueAt) bool) bool {
	if obj.Parent() == nil || obj.Pkg() == nil || obj.Parent() == obj.Pkg().Scope() || c.busy[obj] {
		return false
	}
	c.busy[obj] = true
	defer delete(c.busy, obj)
	for _, w := range c.writes[obj] {
		if !ok(w) {
			return false
		}
	}
	p, isParam := c.params[obj]
	if !isParam {
		return len(c.writes[obj]) > 0
	}
	calls := c.calls[p.fn]
	if c.escapes[p.fn] || len(calls) == 0 {
		return false
	}
	for _, args := range calls {
		if p.index >= len(args) || !ok(args[p.index]) {
			return false
		}
	}
	return true
}

// embedded reports whether v is bytes read from an embedded file system:
// e.ReadFile(name) or fs.ReadFile(e, name) with e of type embed.FS (its
// contents are fixed at build time), directly or through local variables.
func (c *sqlChecker) embedded(v valueAt) bool {
	if v.e == nil {
		return false
	}
	switch x := ast.Unparen(v.e).(type) {
	case *ast.CallExpr:
		fn := calledFunc(v.info, x)
		if fn == nil || fn.Name() != "ReadFile" {
			return false
		}
		if sel, ok := ast.Unparen(x.Fun).(*ast.SelectorExpr); ok && fn.Type().(*types.Signature).Recv() != nil {
			return isEmbedFS(v.info.Types[sel.X].Type)
		}
		return fn.Pkg() != nil && fn.Pkg().Path() == "io/fs" && len(x.Args) == 2 && isEmbedFS(v.info.Types[x.Args[0]].Type)
	case *ast.Ident:
		obj, ok := v.info.Uses[x].(*types.Var)
		return ok && c.trustedVar(obj, c.embedded)
	}
	return false
}

func isEmbedFS(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "embed" && n.Obj().Name() == "FS"
}

// calledFunc is the function or method a call calls, when go/types knows it.
func calledFunc(info *types.Info, call *ast.CallExpr) *types.Func {
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		fn, _ := info.Uses[f].(*types.Func)
		return fn
	case *ast.SelectorExpr:
		fn, _ := info.Uses[f.Sel].(*types.Func)
		return fn
	}
	return nil
}

// funcKey names a function or method across packages (objects read from
// export data differ from those checked from source).
func funcKey(fn *types.Func) string {
	return fn.FullName()
}

// structOf returns the struct type under t and the name of its named type.
func structOf(t types.Type) (*types.Struct, string) {
	if t == nil {
		return nil, ""
	}
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return nil, ""
	}
	st, ok := n.Underlying().(*types.Struct)
	if !ok {
		return nil, ""
	}
	return st, n.Obj().Pkg().Path() + "." + n.Obj().Name()
}

// fieldKey names the field a selection reads, by its struct's named type.
func fieldKey(s *types.Selection) string {
	if len(s.Index()) != 1 {
		return "" // a promoted field: not followed
	}
	_, key := structOf(s.Recv())
	if key == "" {
		return ""
	}
	return key + "." + s.Obj().Name()
}
