/* zec_http.c: being written */
