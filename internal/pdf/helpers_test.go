package pdf

import (
	"encoding/binary"
	"hash/crc32"
)

func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

func leOrder() binary.ByteOrder { return binary.LittleEndian }
