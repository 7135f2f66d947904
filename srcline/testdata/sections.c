/*
 * sections.c: a module whose functions live in several executable sections,
 * built with -ffunction-sections so that `ld -r` keeps .text.<name> apart.
 * In the ET_REL (amd64) module every function then starts at offset 0 of its
 * own section: DWARF addresses relocated against section symbols are all 0,
 * and only the section tells them apart.
 */

static int counter;

int
first_fn(int x)
{
	counter += x;
	return (counter);
}

int
second_fn(int x)
{
	int i, sum;

	sum = 0;
	for (i = 0; i < x; i++)
		sum += i * counter;
	return (sum);
}

__attribute__((section(".init.text"))) int
init_fn(void)
{
	counter = 42;
	return (0);
}
