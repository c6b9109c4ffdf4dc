package ring

import (
	"reflect"
	"testing"
)

func TestRingKeepsTheNewestAndNumbersThem(t *testing.T) {
	r := New[int](4)
	got, last := r.Since(0, nil)
	if len(got) != 0 || last != 0 {
		t.Fatalf("empty ring: %v, %d", got, last)
	}
	for v := 10; v < 16; v++ {
		r.Add(v)
	}
	got, last = r.Since(0, nil)
	if !reflect.DeepEqual(got, []int{12, 13, 14, 15}) || last != 6 {
		t.Fatalf("since 0 after 6 adds to a ring of 4: %v, %d", got, last)
	}
	got, _ = r.Since(5, nil)
	if !reflect.DeepEqual(got, []int{15}) {
		t.Fatalf("since 5: %v, want [15]", got)
	}
	if got, _ = r.Since(6, nil); len(got) != 0 {
		t.Fatalf("since the last: %v", got)
	}
}
