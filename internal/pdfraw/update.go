package pdfraw

import (
	"crypto/sha256"
	"fmt"
	"sort"
	"strconv"
)

// Update collects new and changed objects and serialises them as an
// incremental update (PDF 32000-1 §7.5.6) to be appended to the file
// unchanged.
type Update struct {
	f    *File
	next int
	objs map[int][]byte // body of each object, without "n g obj"
	gens map[int]int
	// trailer overrides entries of the new trailer (for example /Info for
	// a file that had none).
	trailer Dict
}

// NewUpdate starts an incremental update of f.
func (f *File) NewUpdate() *Update {
	return &Update{f: f, next: f.MaxObjectNumber(), objs: map[int][]byte{}, gens: map[int]int{}}
}

// Alloc reserves a new object number.
func (u *Update) Alloc() Ref {
	r := Ref{Num: u.next}
	u.next++
	return r
}

// Put stores o as the new value of ref.
func (u *Update) Put(ref Ref, o Object) {
	u.PutRaw(ref, AppendObject(nil, o))
}

// PutRaw stores pre-serialised PDF syntax as the value of ref; the signer
// needs this to control the exact bytes of the signature dictionary.
func (u *Update) PutRaw(ref Ref, body []byte) {
	u.objs[ref.Num] = body
	u.gens[ref.Num] = ref.Gen
}

// SetTrailer sets key in the update's trailer, overriding the value
// carried over from the file's trailer.
func (u *Update) SetTrailer(key Name, o Object) {
	if u.trailer == nil {
		u.trailer = Dict{}
	}
	u.trailer[key] = o
}

// PutStream stores a stream object; /Length is set from data.
func (u *Update) PutStream(ref Ref, d Dict, data []byte) {
	d = d.Clone()
	d["Length"] = int64(len(data))
	body := AppendObject(nil, d)
	body = append(body, "\nstream\n"...)
	body = append(body, data...)
	body = append(body, "\nendstream"...)
	u.PutRaw(ref, body)
}

// Bytes returns the update section: the objects, a cross-reference section
// of the same kind as the file's newest one, the trailer and %%EOF. The
// result is meant to be written directly after the last byte of the file.
func (u *Update) Bytes() []byte {
	nums := make([]int, 0, len(u.objs)+1)
	for n := range u.objs {
		nums = append(nums, n)
	}
	sort.Ints(nums)

	base := u.f.size
	out := []byte("\n")
	offsets := map[int]int64{}
	idHash := sha256.New()
	for _, n := range nums {
		offsets[n] = base + int64(len(out))
		out = strconv.AppendInt(out, int64(n), 10)
		out = append(out, ' ')
		out = strconv.AppendInt(out, int64(u.gens[n]), 10)
		out = append(out, " obj\n"...)
		out = append(out, u.objs[n]...)
		out = append(out, "\nendobj\n"...)
		idHash.Write(u.objs[n])
	}

	trailer := Dict{}
	for _, k := range []Name{"Root", "Info"} {
		if v, ok := u.f.trailer[k]; ok {
			trailer[k] = v
		}
	}
	for k, v := range u.trailer {
		trailer[k] = v
	}
	first := String(idHash.Sum(nil)[:16])
	if ids, ok := u.f.trailer["ID"].(Array); ok && len(ids) == 2 {
		if s, ok := ids[0].(String); ok {
			first = s
		}
	}
	second := String(idHash.Sum([]byte("update"))[:16])
	trailer["ID"] = Array{first, second}
	trailer["Prev"] = u.f.StartXref

	if u.f.XrefStream {
		xref := u.Alloc()
		nums = append(nums, xref.Num)
		offsets[xref.Num] = base + int64(len(out))
		u.gens[xref.Num] = 0
		trailer["Size"] = int64(u.next)
		trailer["Type"] = Name("XRef")
		trailer["W"] = Array{int64(1), int64(8), int64(2)}
		var index Array
		var data []byte
		for i := 0; i < len(nums); {
			j := i
			for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
				j++
			}
			index = append(index, int64(nums[i]), int64(j-i+1))
			for k := i; k <= j; k++ {
				off := offsets[nums[k]]
				data = append(data, 1)
				for b := 7; b >= 0; b-- {
					data = append(data, byte(off>>(8*b)))
				}
				g := u.gens[nums[k]]
				data = append(data, byte(g>>8), byte(g))
			}
			i = j + 1
		}
		trailer["Index"] = index
		trailer["Length"] = int64(len(data))
		out = fmt.Appendf(out, "%d 0 obj\n", xref.Num)
		out = AppendObject(out, trailer)
		out = append(out, "\nstream\n"...)
		out = append(out, data...)
		out = append(out, "\nendstream\nendobj\n"...)
		out = fmt.Appendf(out, "startxref\n%d\n%%%%EOF\n", offsets[xref.Num])
		return out
	}

	xrefOff := base + int64(len(out))
	out = append(out, "xref\n"...)
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		out = fmt.Appendf(out, "%d %d\n", nums[i], j-i+1)
		for k := i; k <= j; k++ {
			out = fmt.Appendf(out, "%010d %05d n\r\n", offsets[nums[k]], u.gens[nums[k]])
		}
		i = j + 1
	}
	trailer["Size"] = int64(u.next)
	out = append(out, "trailer\n"...)
	out = AppendObject(out, trailer)
	out = fmt.Appendf(out, "\nstartxref\n%d\n%%%%EOF\n", xrefOff)
	return out
}
