# Per (window, epochs) out-of-fold MAE at horizon j from the folds tables of two forecast logs.
# usage (in this folder): python3 grid.py J PREFIX SEED... compares PREFIX-CITY-SEED.log with base-CITY-SEED.log
import re,sys
def grid(f, j):
    out={}; w=None
    for line in open(f):
        m=re.match(r'window (\d+):',line)
        if m: w=int(m.group(1))
        m=re.match(r'\s+(\d+) epochs: MAE.*MAE h1\.\.h\d (.*)',line)
        if m and w:
            vals=re.findall(r'([0-9.]+) \(α',m.group(2))
            out[(w,int(m.group(1)))]=float(vals[j-1])
    return out
def chosen(f):
    for line in open(f):
        m=re.match(r'chosen: window (\d+), (\d+) epochs',line)
        if m: return (int(m.group(1)),int(m.group(2)))
j=int(sys.argv[1]); pre=sys.argv[2]
for c in ['san_juan','iquitos']:
    for s in sys.argv[3:]:
        b=grid(f'base-{c}-{s}.log',j); o=grid(f'{pre}-{c}-{s}.log',j)
        ch=chosen(f'base-{c}-{s}.log')
        print(c,s,'min base %.3f min exp %.3f | at base choice %s: base %.3f exp %.3f | mean over grid base %.3f exp %.3f'%(min(b.values()),min(o.values()),ch,b[ch],o[ch],sum(b.values())/len(b),sum(o.values())/len(o)))
