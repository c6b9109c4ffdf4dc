package command_test

import (
	"fmt"

	"github.com/raftian/raftian/command"
)

// A headless line, a key in the window and a lesson's step are the same
// typed command; String writes it back the one canonical way.
func Example() {
	cmd, err := command.Parse("attack 1 2 via leader nowait", 5)
	if err != nil {
		panic(err)
	}
	a := cmd.(command.Attack)
	fmt.Println(a.From, a.To, a.Via.Role, a.NoWait)
	fmt.Println(cmd)
	// Output:
	// 1 2 leader true
	// attack 1 2 via leader nowait
}
