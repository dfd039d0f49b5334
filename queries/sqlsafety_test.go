package queries

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// sqlMethods are the database/sql (and driver connection) methods that run
// SQL text, with the position of the text among their arguments.
var sqlMethods = map[string]int{
	"Exec": 0, "Query": 0, "QueryRow": 0, "Prepare": 0,
	"ExecContext": 1, "QueryContext": 1, "QueryRowContext": 1, "PrepareContext": 1,
}

// trustedSQL are expressions, by file, that hold embedded SQL text but not
// in a form this check can see: the migration runner's statement, and a
// parameter every caller fills with queries.Get (checked by reading them).
var trustedSQL = map[string]string{
	"queries/queries.go": "m.sql",
}

// TestNoSQLFromStrings parses every non-test Go file of the module and
// checks that each SQL text handed to Exec/Query/Prepare is a string
// constant or a statement loaded by Get (embedded .sql files): never text
// built at run time, so no input can become SQL. Values travel as $n
// parameters.
func TestNoSQLFromStrings(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files, calls := 0, 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "testdata" || n == "vendor" || (strings.HasPrefix(n, ".") && path != root) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		files++
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			i, ok := sqlMethods[sel.Sel.Name]
			if !ok || len(call.Args) <= i {
				return true
			}
			calls++
			if arg := call.Args[i]; !constSQL(arg) && trustedSQL[rel] != exprString(arg) {
				t.Errorf("%s: %s(...) runs SQL built at run time: %s; put it in a .sql file and load it with queries.Get",
					fset.Position(call.Pos()), sel.Sel.Name, exprString(arg))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Control: the walk found the module's code and its SQL calls.
	if files < 20 || calls < 10 {
		t.Fatalf("checked %d files and %d SQL calls; the walk missed the code", files, calls)
	}
	t.Logf("%d files, %d SQL calls checked", files, calls)
}

// constSQL reports whether e is SQL text fixed at compile time: a string
// literal, a constant declared in the same file, a concatenation of those,
// or a Get("name") / queries.Get(name) call (Get only returns embedded
// statements and panics on an unknown name).
func constSQL(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.BasicLit:
		return x.Kind == token.STRING
	case *ast.ParenExpr:
		return constSQL(x.X)
	case *ast.BinaryExpr:
		return x.Op == token.ADD && constSQL(x.X) && constSQL(x.Y)
	case *ast.Ident:
		return x.Obj != nil && x.Obj.Kind == ast.Con
	case *ast.CallExpr:
		switch fn := x.Fun.(type) {
		case *ast.Ident:
			return fn.Name == "Get"
		case *ast.SelectorExpr:
			pkg, ok := fn.X.(*ast.Ident)
			return ok && pkg.Name == "queries" && fn.Sel.Name == "Get"
		}
	}
	return false
}

// exprString is a short rendering of e for messages and the trusted list.
func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	case *ast.BasicLit:
		return x.Value
	case *ast.CallExpr:
		return exprString(x.Fun) + "(...)"
	case *ast.BinaryExpr:
		return exprString(x.X) + " " + x.Op.String() + " " + exprString(x.Y)
	}
	return "expression"
}
