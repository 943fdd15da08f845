export async function main(a: string[]): Promise<number> { console.log("hi", process.version, a); return 0; }
