// Command testsummary reads `go test -json` on stdin and prints what a
// person needs: one line per package, the full output of every failed test,
// and totals — including how many PostgreSQL tests ran, so that a green run
// visibly exercised PostgreSQL. Skipped tests are listed by name.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

type event struct {
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

func main() {
	out := map[string][]string{} // package/test -> output lines
	var failed, skipped []string
	pass, pgPass, pgFail := 0, 0, 0
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			fmt.Println(sc.Text()) // build errors and the like
			continue
		}
		key := e.Package + " " + e.Test
		pg := strings.Contains(strings.ToLower(e.Test), "postgres")
		switch e.Action {
		case "output":
			out[key] = append(out[key], e.Output)
		case "pass":
			if e.Test == "" {
				fmt.Printf("ok   %s\t%.1fs\n", e.Package, e.Elapsed)
			} else {
				pass++
				if pg {
					pgPass++
				}
			}
			delete(out, key)
		case "skip":
			if e.Test != "" {
				skipped = append(skipped, key)
			}
			delete(out, key)
		case "fail":
			if e.Test == "" {
				fmt.Printf("FAIL %s\t%.1fs\n", e.Package, e.Elapsed)
				if lines := out[key]; len(lines) > 0 {
					fmt.Print(strings.Join(lines, ""))
				}
			} else {
				failed = append(failed, key)
				if pg {
					pgFail++
				}
				fmt.Printf("--- FAIL %s\n%s", key, strings.Join(out[key], ""))
			}
			delete(out, key)
		}
	}
	sort.Strings(skipped)
	for _, s := range skipped {
		fmt.Println("SKIPPED", s)
	}
	fmt.Printf("\ntests: %d passed, %d failed, %d skipped; of them on PostgreSQL: %d passed, %d failed\n",
		pass, len(failed), len(skipped), pgPass, pgFail)
}
