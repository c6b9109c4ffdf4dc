package command

// Presets are the partitions the window's P key cycles through for n
// replicas: a minority against a majority, three groups, the majority
// holding replica 1, and odds against evens.
func Presets(n int) [][][]int {
	seq := func(a, b int) []int {
		var s []int
		for i := a; i <= b; i++ {
			s = append(s, i)
		}
		return s
	}
	half := n / 2 // the minority's size
	var odd, even []int
	for i := 1; i <= n; i++ {
		if i%2 == 1 {
			odd = append(odd, i)
		} else {
			even = append(even, i)
		}
	}
	return [][][]int{
		{seq(1, half), seq(half+1, n)},
		{seq(1, 1), seq(2, 1+half), seq(2+half, n)},
		{seq(1, n-half), seq(n-half+1, n)},
		{odd, even},
	}
}
