/* deSolve compiled RHS for bench/pk: 2-cmt oral parent + 7-OH (umol amounts). */
#include <R.h>
static double parms[8];
#define ka parms[0]
#define k10 parms[1]
#define k12 parms[2]
#define k21 parms[3]
#define fm parms[4]
#define km parms[5]
void initmod(void (*odeparms)(int *, double *)) {
    int n = 6;
    odeparms(&n, parms);
}
void derivs(int *neq, double *t, double *y, double *ydot, double *yout, int *ip) {
    (void)neq; (void)t; (void)yout; (void)ip;
    ydot[0] = -ka * y[0];
    ydot[1] = ka * y[0] - (k10 + k12) * y[1] + k21 * y[2];
    ydot[2] = k12 * y[1] - k21 * y[2];
    ydot[3] = fm * k10 * y[1] - km * y[3];
}
