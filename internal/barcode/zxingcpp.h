#ifdef __cplusplus
extern "C" {
#endif
int eingang_zxing_decode(const unsigned char* pix, int w, int h, int stride, int formats, int harder, char* out, int cap);
#ifdef __cplusplus
}
#endif
