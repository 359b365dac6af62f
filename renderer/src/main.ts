import { mount } from 'svelte';
import App from './App.svelte';
import { words } from './lib/words';
import './app.css';

// index.html says "en" before any script runs; the catalog in use has the last word.
document.documentElement.lang = words.lang;

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

export default mount(App, { target });
